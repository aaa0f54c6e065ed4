import { WRITE, footprintsConflict, type Access } from './object.ts';
import { listOf } from './plural.ts';
import { setRunning, type KThread } from './thread.ts';
import { ScenarioError, Violation } from './violation.ts';
import type { EndFailure, World, WorldObserver } from './world.ts';

/** Anything that makes a fresh world for each execution: a scenario. */
export interface Instantiable {
  readonly name: string;
  instantiate(): World;
}

/** One step as the engine records it. */
export interface StepRecord {
  tid: number;
  op: string;
  target: string | null;
  /** The thread could not proceed and now sleeps (or spins). */
  blocked: boolean;
  /** For a step that completes a wait: the step that woke the thread; otherwise -1. */
  wakeOf: number;
  line: number | undefined;
  /** Listing lines of the calls in progress, outermost first (the last is `line`). */
  stack: readonly number[];
  notes: readonly string[];
  footprint: readonly Access[];
  /** Threads this step woke or granted a lock to. */
  woke: readonly number[];
  /** The step is an acquisition the explorer postponed while the lock was held (Action.blocks), and took once it was free. */
  acquire: boolean;
  /** The step releases its target (Action.releases). */
  release: boolean;
}

/** A broken rule: which thread, after which step (-1: before its first step), and what. */
export interface ViolationRecord {
  step: number;
  tid: number;
  rule: string;
  message: string;
}

export type Terminal =
  | { kind: 'ok' }
  | { kind: 'deadlock'; message: string }
  | { kind: 'end'; failure: EndFailure }
  | { kind: 'cut'; message: string };

const NONE: never[] = [];

/** Names a thrown value in one line, even one whose `toString` or `message` throws in turn. */
export function describeError(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return `a value that cannot be printed (${e === null ? 'null' : typeof e})`;
  }
}

/** One run of a scenario: a fresh world, stepped one thread at a time. */
export class Execution {
  readonly world: World;
  readonly threads: readonly KThread[];
  readonly steps: StepRecord[] = [];
  readonly violations: ViolationRecord[] = [];
  /** The notes and wake-ups of the step being taken; one object, emptied at each step. */
  readonly #draft: { notes: string[] | null; woke: number[] | null } = { notes: null, woke: null };

  /** `narrate`: record notes, for a reader (a replay); the search runs without them. */
  constructor(scenario: Instantiable, observers: readonly WorldObserver[] = [], narrate = false) {
    this.world = scenario.instantiate();
    this.world.narrating = narrate;
    this.world.observers.push(...observers);
    this.threads = this.world.threads;
    for (const t of this.threads) this.#advance(t, undefined, -1);
  }

  #anyRunnable(): boolean {
    for (const t of this.threads) if (t.runnable) return true;
    return false;
  }

  /** Indices of the threads that can take a step now. */
  runnable(): number[] {
    const r: number[] = [];
    for (const t of this.threads) if (t.runnable) r.push(t.index);
    return r;
  }

  /**
   * Indices of the threads the explorer runs now: the runnable ones, less those whose step is an
   * acquisition that would block (Action.blocks), unless no other thread can run.
   */
  schedulable(): number[] {
    const r: number[] = [];
    let postponed: number[] | null = null;
    for (const t of this.threads) {
      if (!t.runnable) continue;
      if (this.postponed(t)) (postponed ??= []).push(t.index);
      else r.push(t.index);
    }
    return r.length > 0 || postponed === null ? r : postponed;
  }

  /** Whether `t`'s next step is an acquisition that would only put it to sleep now. */
  postponed(t: KThread): boolean {
    const blocks = t.pending?.blocks;
    if (!blocks) return false;
    setRunning(t);
    try {
      return blocks(t);
    } finally {
      setRunning(null);
    }
  }

  /** Takes one step of thread `tid`, which must be runnable. */
  step(tid: number): StepRecord {
    const t = this.threads[tid]!;
    const action = t.pending;
    if (action === null || t.status !== 'ready') throw new Error(`thread ${t.name} cannot run now`);
    const world = this.world;
    const index = this.steps.length;
    world.stepIndex = index;
    const draft = this.#draft;
    draft.notes = null;
    draft.woke = null;
    world.draft = draft;
    if (action.target && action.target.world !== world) {
      throw new ScenarioError(`${t.name}'s ${action.op} uses ${action.target.name}, which another build(k) made (an earlier execution, or another scenario): make every object in build(k) and keep it there`);
    }
    const wakeOf = action.wake ? t.wokenBy : -1;
    let footprint: readonly Access[] = NONE;
    let result: unknown;
    let violation: Violation | null = null;
    setRunning(t);
    try {
      // The footprint may run scenario code too (a wait_event condition): its exceptions count.
      footprint = action.footprint(t);
      result = action.run(t);
      this.#wakeSpinners(t, footprint);
    } catch (e) {
      if (e instanceof ScenarioError) throw e; // the scenario is written wrong: no verdict, an error
      violation = e instanceof Violation ? e : new Violation('exception', `${t.name} threw ${describeError(e)} in ${action.op}`);
      if (footprint === NONE) footprint = this.#everything();
    } finally {
      setRunning(null);
      world.draft = null;
    }
    const record: StepRecord = {
      tid,
      op: action.op,
      target: action.target?.name ?? null,
      blocked: t.waiting !== null,
      wakeOf,
      line: t.line,
      stack: t.stack,
      notes: draft.notes ?? NONE,
      footprint,
      woke: draft.woke ?? NONE,
      // An attempt that broke a rule at once (a mutex_lock in atomic context) was not postponed: it races with the release.
      acquire: action.blocks !== undefined && violation === null,
      release: action.releases === true,
    };
    this.steps.push(record);
    t.steps++;
    world.stepIndex = index + 1;
    if (violation) this.#crash(t, index, violation.rule, violation.message);
    else this.#advance(t, result, index);
    return record;
  }

  /**
   * Wakes the threads spinning (`spin_until`) on something this step wrote: their next check may now
   * see a change. The wake orders that check after this step. What a spinner read are reads, which
   * conflict with the step's writes and adds only.
   */
  #wakeSpinners(by: KThread, footprint: readonly Access[]): void {
    for (const s of this.threads) {
      if (s !== by && s.spinReads !== null && s.status === 'waiting' && footprintsConflict(s.spinReads, footprint)) {
        s.spinReads = null;
        s.wakeUp();
      }
    }
  }

  /**
   * The footprint of the step `t` would take next, for races at a cut; a footprint that throws
   * (a wait_event condition) touches everything.
   */
  pendingFootprint(t: KThread): readonly Access[] {
    setRunning(t);
    try {
      return t.pending!.footprint(t);
    } catch {
      return this.#everything();
    } finally {
      setRunning(null);
    }
  }

  /** Every object written: the footprint of a step whose own footprint cannot be known. */
  #everything(): readonly Access[] {
    return this.world.objects.map((o) => o.id * 4 + WRITE);
  }

  /** Runs thread code up to its next action; an exception there is a violation at step `after`. */
  #advance(t: KThread, value: unknown, after: number): void {
    setRunning(t, true);
    try {
      t.advance(value);
    } catch (e) {
      if (e instanceof ScenarioError) throw e;
      if (e instanceof Violation) this.#crash(t, after, e.rule, e.message);
      else this.#crash(t, after, 'exception', `${t.name} threw ${describeError(e)}`);
      return;
    } finally {
      setRunning(null);
    }
    if (t.status === 'done') this.#checkExit(t, after);
  }

  /** A thread that returns must not hold locks or leave atomic context behind. */
  #checkExit(t: KThread, after: number): void {
    const h = t.held[0];
    if (h) {
      const where = h.line === undefined ? '' : ` (taken at line ${h.line})`;
      this.#violate(t, after, 'lock-held-at-exit', `${t.name} finished while holding ${h.lock.name}${where}`);
    } else if (t.rcuReadDepth > 0) {
      this.#violate(t, after, 'context-at-exit', `${t.name} finished inside an RCU read-side critical section (rcu_read_lock without rcu_read_unlock)`);
    } else if (t.pagefaultsDisabled > 0) {
      this.#violate(t, after, 'context-at-exit', `${t.name} finished with page faults disabled (pagefault_disable without pagefault_enable)`);
    } else if (t.preemptCount > 0 || t.irqsDisabled > 0) {
      this.#violate(t, after, 'context-at-exit', `${t.name} finished in atomic context (preemption or interrupts still disabled)`);
    }
  }

  #crash(t: KThread, after: number, rule: string, message: string): void {
    t.status = 'crashed';
    t.pending = null;
    t.waiting = null;
    this.#violate(t, after, rule, message);
  }

  #violate(t: KThread, after: number, rule: string, message: string): void {
    this.violations.push({ step: after, tid: t.index, rule, message });
  }

  /** The terminal state, once no thread can run (or the step bound is reached); else null. */
  terminal(maxSteps: number): Terminal | null {
    if (this.#anyRunnable()) {
      if (this.steps.length < maxSteps) return null;
      // Name the unfinished threads that took the most steps: the likely loop.
      const running = this.threads.filter((t) => !t.finished);
      const most = Math.max(...running.map((t) => t.steps));
      const loopers = running.filter((t) => t.steps === most).map((t) => t.name);
      const who = loopers.length === 1 ? `${loopers[0]} was` : `${loopers.join(', ')} were`;
      return { kind: 'cut', message: `${who} still running after ${maxSteps} steps (maxSteps), having taken ${most} of them` };
    }
    const stuck = this.threads.filter((t) => !t.finished);
    if (stuck.length > 0) return { kind: 'deadlock', message: deadlockMessage(stuck) };
    const failure = this.world.runEndChecks();
    return failure ? { kind: 'end', failure } : { kind: 'ok' };
  }
}

/** One sentence naming every stuck thread, what it waits in, on what, and for whom. */
export function deadlockMessage(stuck: readonly KThread[]): string {
  const who = listOf(stuck.map((t) => t.name));
  const clauses = stuck.map((t) => {
    if (!t.waiting) return `${t.name} cannot run`;
    const info = t.waiting.on.waitInfo(t);
    return `${t.name} waits in ${t.waiting.op} on ${t.waiting.on.name} ${info.text}`;
  });
  return `Deadlock: ${who} can never run again; ${clauses.join('; ')}.`;
}
