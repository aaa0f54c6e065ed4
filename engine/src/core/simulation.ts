import { Execution, type Instantiable, type StepRecord, type Terminal } from './execution.ts';
import type { ObjectState } from './object.ts';
import { decodeSchedule, encodeSchedule } from './schedule.ts';
import type { KThread } from './thread.ts';
import type { World, WorldObserver } from './world.ts';

export type Verdict = 'ok' | 'deadlock' | 'violation' | 'leak' | 'starvation' | 'incomplete';

/** One step of an execution, as reports and timelines show it. */
export interface Step {
  index: number;
  thread: string;
  /** The kernel function, e.g. `down_read`. */
  op: string;
  /** The object's name, where there is one. */
  target?: string;
  /** The thread could not proceed and now waits (sleeps, or spins on a spinlock). */
  blocked: boolean;
  /** The line of the listing the step stands for, where the scenario gives one. */
  line?: number;
  /** Listing lines of the calls in progress, outermost first. */
  stack?: number[];
  /** What happened, in words: "queued behind T2's down_write", "granted T1". */
  note?: string;
  /** The rule this step broke, if it did. */
  violation?: string;
}

export interface ThreadState {
  name: string;
  /** The listing functions shown in this thread's column (`k.thread`'s `code` option). */
  code?: string[];
  /** What the thread stands for (`k.thread`'s `role` option), e.g. `'brk()'`. */
  role?: string;
  status: KThread['status'];
  line?: number;
  stack: number[];
  /** For a waiting thread: what it waits in and for whom. */
  waiting?: { op: string; object: string; text: string; blockers: string[] };
  holds: { lock: string; mode: string }[];
  atomic: { preemptCount: number; irqsDisabled: number; pagefaultsDisabled: number };
}

export interface WorldSnapshot {
  threads: ThreadState[];
  objects: ObjectState[];
}

export interface Outcome {
  verdict: Verdict;
  message: string;
  /** What the check that failed at the end found, where it says more than the message (a leak's `LeakDetail`). */
  detail?: unknown;
}

/** A replayed execution: every step and the state after each one. */
export interface Trace extends Outcome {
  /** The verdict of this one execution (the contract's name for it). */
  outcome: Verdict;
  schedule: string;
  steps: Step[];
  /** `states[0]` is the initial state; `states[i]` the state after step `i`. */
  states: WorldSnapshot[];
  /** For a starvation (a lasso schedule, `prefix(loop)`): the loop, which can repeat forever. */
  loop?: Loop;
}

/** The loop of a lasso: `steps[start]` to `steps[start + length - 1]` return to `states[start]`; `thread` waits throughout. */
export interface Loop {
  start: number;
  length: number;
  thread: string;
}

export function publicStep(rec: StepRecord, index: number, threads: readonly KThread[], violation?: string): Step {
  const s: Step = { index, thread: threads[rec.tid]!.name, op: rec.op, blocked: rec.blocked };
  if (rec.target !== null) s.target = rec.target;
  if (rec.line !== undefined) s.line = rec.line;
  if (rec.stack.length > 1) s.stack = [...rec.stack];
  if (rec.notes.length > 0) s.note = rec.notes.join('; ');
  if (violation !== undefined) s.violation = violation;
  return s;
}

export function threadState(t: KThread): ThreadState {
  const s: ThreadState = {
    name: t.name,
    status: t.status,
    stack: t.lines.slice(),
    holds: t.held.map((h) => ({ lock: h.lock.name, mode: h.mode })),
    atomic: { preemptCount: t.preemptCount, irqsDisabled: t.irqsDisabled, pagefaultsDisabled: t.pagefaultsDisabled },
  };
  if (t.line !== undefined) s.line = t.line;
  if (t.options.code) s.code = [...t.options.code];
  if (t.options.role) s.role = t.options.role;
  if (t.waiting) {
    const info = t.waiting.on.waitInfo(t);
    s.waiting = { op: t.waiting.op, object: t.waiting.on.name, text: info.text, blockers: info.blockers.map((b) => b.name) };
  }
  return s;
}

export function snapshotOf(world: World): WorldSnapshot {
  return { threads: world.threads.map(threadState), objects: world.objects.filter((o) => !o.internal).map((o) => o.snapshot()) };
}

/**
 * An execution stepped by hand: the reader as scheduler. The first violation ends it, as does a
 * state where no thread can run.
 */
export class Simulation {
  readonly #exec: Execution;
  readonly #publicSteps: Step[] = [];
  readonly #tids: number[] = [];
  #ended: Outcome | null = null;

  constructor(scenario: Instantiable, observers: readonly WorldObserver[] = []) {
    this.#exec = new Execution(scenario, observers, true);
    this.#settle();
  }

  get threadNames(): string[] {
    return this.#exec.threads.map((t) => t.name);
  }

  get steps(): readonly Step[] {
    return this.#publicSteps;
  }

  get schedule(): string {
    return encodeSchedule(this.#tids);
  }

  /** The verdict once the execution has ended; null while a thread can still run. */
  get outcome(): Outcome | null {
    return this.#ended;
  }

  /** Names of the threads that can take a step now (none once the execution has ended). */
  runnable(): string[] {
    if (this.#ended) return [];
    return this.#exec.runnable().map((i) => this.#exec.threads[i]!.name);
  }

  threads(): ThreadState[] {
    return this.#exec.threads.map(threadState);
  }

  snapshot(): WorldSnapshot {
    return snapshotOf(this.#exec.world);
  }

  /** Why `thread` cannot run now, in one sentence, or null if it can. */
  whyNot(thread: string | number): string | null {
    const t = this.#resolve(thread);
    if (this.#ended) return `the execution has ended (${this.#ended.verdict})`;
    if (t.runnable) return null;
    if (t.status === 'done') return `${t.name} has finished`;
    if (t.status === 'crashed') return `${t.name} stopped after a violation`;
    if (t.waiting) return `${t.name} waits in ${t.waiting.op} on ${t.waiting.on.name} ${t.waiting.on.waitInfo(t).text}`;
    return `${t.name} cannot run`;
  }

  /** Takes one step of `thread` (a name or an index). */
  step(thread: string | number): Step {
    const t = this.#resolve(thread);
    const why = this.whyNot(t.index);
    if (why !== null) throw new Error(`cannot step ${t.name}: ${why}`);
    const before = this.#exec.violations.length;
    const rec = this.#exec.step(t.index);
    this.#tids.push(t.index);
    const v = this.#exec.violations[before];
    const step = publicStep(rec, this.#publicSteps.length, this.#exec.threads, v?.message);
    this.#publicSteps.push(step);
    this.#settle();
    return step;
  }

  #resolve(thread: string | number): KThread {
    const threads = this.#exec.threads;
    const t = typeof thread === 'number' ? threads[thread] : threads.find((x) => x.name === thread);
    if (!t) throw new Error(`no thread ${JSON.stringify(thread)} (threads: ${threads.map((x) => x.name).join(', ')})`);
    return t;
  }

  #settle(): void {
    const v = this.#exec.violations[0];
    if (v) {
      this.#ended = { verdict: 'violation', message: v.message };
      return;
    }
    const terminal = this.#exec.terminal(Infinity);
    if (terminal) this.#ended = terminalOutcome(terminal);
  }
}

export function terminalOutcome(t: Terminal): Outcome {
  switch (t.kind) {
    case 'ok':
      return { verdict: 'ok', message: 'Every thread finished and every check passed.' };
    case 'deadlock':
      return { verdict: 'deadlock', message: t.message };
    case 'end':
      return t.failure.detail === undefined ? { verdict: t.failure.verdict, message: t.failure.message } : { verdict: t.failure.verdict, message: t.failure.message, detail: t.failure.detail };
    case 'cut':
      return { verdict: 'incomplete', message: t.message };
  }
}

/**
 * Re-runs one execution from its schedule token. The schedule must fit: each letter names a thread
 * that can run at that point, and the execution must end exactly where the schedule does.
 */
export function replaySchedule(scenario: Instantiable, schedule: string, observers: readonly WorldObserver[] = []): Trace {
  const sim = new Simulation(scenario, observers);
  const tids = decodeSchedule(schedule, sim.threadNames.length);
  const states = [sim.snapshot()];
  tids.forEach((tid, i) => {
    if (sim.outcome) {
      throw new Error(`schedule '${schedule}' does not fit '${scenario.name}': the execution ends (${sim.outcome.verdict}) after ${i} steps, but the schedule has ${tids.length}`);
    }
    const why = sim.whyNot(tid);
    if (why !== null) throw new Error(`schedule '${schedule}' does not fit '${scenario.name}': step ${i + 1} picks ${sim.threadNames[tid]}, but ${why}`);
    sim.step(tid);
    states.push(sim.snapshot());
  });
  const outcome = sim.outcome;
  if (!outcome) {
    throw new Error(`schedule '${schedule}' does not fit '${scenario.name}': it ends after ${tids.length} steps while ${sim.runnable().join(', ')} can still run`);
  }
  return { ...outcome, outcome: outcome.verdict, schedule, steps: [...sim.steps], states };
}
