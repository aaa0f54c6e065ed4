import { access, type Access, type KObject, type Mode } from './object.ts';
import { currentThread, type KThread } from './thread.ts';

/**
 * One atomic step a thread asks to take. Kernel operations are generators that yield actions; the
 * scheduler decides when each one runs.
 */
export interface Action<R = unknown> {
  /** The kernel function this step belongs to, e.g. `down_read`. */
  readonly op: string;
  /** The object the step is about, where there is one. */
  readonly target: KObject | null;
  /**
   * Whether the step completes a wait: it is enabled only once another thread has woken this one
   * (granted it the lock, or woken its wait queue).
   */
  readonly wake: boolean;
  /** The objects the step touches in the current state, and how. */
  footprint(t: KThread): readonly Access[];
  /**
   * For a lock acquisition whose waiters' order does not change the outcome (a mutex, which a
   * newcomer may steal): whether the step would only put the thread to sleep until another thread
   * releases `target`. The explorer then postpones it until the release, so a contended acquisition
   * is one step, or until nothing else can run (a deadlock), as in the standard model of the DPOR
   * literature. Stepping by hand (replay, the widgets) still takes it and sleeps.
   */
  readonly blocks?: (t: KThread) => boolean;
  /** The step releases `target`, which lets an acquisition that `blocks` take it. */
  readonly releases?: boolean;
  /** Performs the step. It may put the thread to sleep (`t.sleep`) or throw a `Violation`. */
  run(t: KThread): R;
}

/** A kernel operation, used with `yield*`; it returns `T` to its caller. */
export type Op<T = void> = Generator<Action, T, unknown>;

/** A thread body: a generator function run once per execution. */
export type ThreadBody = () => Op<void>;

const NO_OBJECTS: readonly KObject[] = [];
const NO_ACCESSES: readonly Access[] = [];
const touchesNothing = (): readonly Access[] => NO_ACCESSES;

function fixedFootprint(target: KObject | null, mode: Mode, extra: readonly KObject[]): () => readonly Access[] {
  if (extra.length === 0) return target ? target.only(mode).fn : touchesNothing;
  const fp: Access[] = target ? [access(target, mode)] : [];
  for (const o of extra) fp.push(access(o, mode));
  return () => fp;
}

/** A step on `target` in `mode` (plus any `extra` objects in the same mode). */
export function act<R>(
  op: string,
  target: KObject | null,
  mode: Mode,
  run: (t: KThread) => R,
  extra: readonly KObject[] = NO_OBJECTS,
): Action<R> {
  return { op, target, wake: false, footprint: fixedFootprint(target, mode, extra), run };
}

/** The step that completes a wait on `target`; enabled once the thread has been woken. */
export function wakeAct<R>(op: string, target: KObject, mode: Mode | null, run: (t: KThread) => R): Action<R> {
  return { op, target, wake: true, footprint: mode === null ? touchesNothing : target.only(mode).fn, run };
}

/** A step whose footprint depends on the state it runs in (a wait condition, for instance). */
export function dynamicAct<R>(
  op: string,
  target: KObject | null,
  wake: boolean,
  footprint: (t: KThread) => readonly Access[],
  run: (t: KThread) => R,
): Action<R> {
  return { op, target, wake, footprint, run };
}

/**
 * An operation written as an iterator rather than a generator function: `perform`, `at` and
 * `settled`, which every step passes through, so they cost no generator frame to resume at each step.
 */
abstract class Iterated<T> implements Op<T> {
  abstract next(value?: unknown): IteratorResult<Action, T>;
  abstract throw(e: unknown): IteratorResult<Action, T>;
  abstract return(value: T): IteratorResult<Action, T>;

  [Symbol.iterator](): this {
    return this;
  }

  get [Symbol.toStringTag](): string {
    return 'Generator';
  }

  /** As a generator is disposed of (explicit resource management): it returns. */
  [Symbol.dispose](): void {
    this.return(undefined as T);
  }
}

/** Yields one action and returns its result, typed. */
export function perform<R>(action: Action<R>): Op<R> {
  return new Perform(action);
}

class Perform<R> extends Iterated<R> {
  private readonly action: Action<R>;
  /** 0: not started; 1: the action is yielded; 2: done. */
  private state = 0;

  constructor(action: Action<R>) {
    super();
    this.action = action;
  }

  next(value?: unknown): IteratorResult<Action, R> {
    if (this.state === 0) {
      this.state = 1;
      return { value: this.action, done: false };
    }
    const result = this.state === 1 ? (value as R) : (undefined as R);
    this.state = 2;
    return { value: result, done: true };
  }

  throw(e: unknown): IteratorResult<Action, R> {
    this.state = 2;
    throw e;
  }

  return(value: R): IteratorResult<Action, R> {
    this.state = 2;
    return { value, done: true };
  }
}

/**
 * Runs `op` as the code at `where` of the scenario's listing: a label (`'R1'`, a `//@R1` marker in
 * the listing) or a line number. Steps taken inside carry that line; calls nest, so a step inside
 * `copro_handle_mm_fault` carries its own line and, in `stack`, the line of the call. Without a
 * listing a label marks nothing (so models can label their code); with one, an unknown label is an
 * error.
 */
export function at<T>(where: string | number, op: Op<T>): Op<T> {
  return new At(where, op);
}

class At<T> extends Iterated<T> {
  private readonly where: string | number;
  private readonly op: Op<T>;
  private started = false;
  /** The thread whose line this call entered, until it leaves it. */
  private entered: KThread | null = null;

  constructor(where: string | number, op: Op<T>) {
    super();
    this.where = where;
    this.op = op;
  }

  next(value?: unknown): IteratorResult<Action, T> {
    if (!this.started) this.start();
    return this.resume('next', value);
  }

  throw(e: unknown): IteratorResult<Action, T> {
    return this.resume('throw', e);
  }

  return(value: T): IteratorResult<Action, T> {
    return this.resume('return', value);
  }

  /** Resumes `op` as a generator's `yield*` would, leaving the line once it ends (returns or throws). */
  private resume(how: 'next' | 'throw' | 'return', value: unknown): IteratorResult<Action, T> {
    let r: IteratorResult<Action, T>;
    try {
      r = this.op[how](value as T);
    } catch (e) {
      this.leave();
      throw e;
    }
    if (r.done) this.leave();
    return r;
  }

  /** Enters the call's line, as the generator's body began: at the first step asked for. */
  private start(): void {
    this.started = true;
    const t = currentThread();
    const where = this.where;
    if (typeof where === 'string' && t.world.listing === undefined) return;
    t.enter(typeof where === 'number' ? where : t.world.lineOf(where));
    this.entered = t;
  }

  private leave(): void {
    this.entered?.leave();
    this.entered = null;
  }
}

/**
 * Runs the kernel operation `op` as one unit for state identity (core/fingerprint.ts: the liveness
 * check's and the state cache's): once it returns, the results its steps received are replaced by
 * its return value, the only thing its caller sees of it. So a `down_read` that slept and one that
 * did not leave their thread in the same state. Sound for an operation whose code writes nothing of
 * its caller's (the engine's locks, faults and user copies): its own frames are gone once it returns.
 */
export function settled<T>(op: Op<T>): Op<T> {
  return new Settled(op);
}

class Settled<T> extends Iterated<T> {
  private readonly op: Op<T>;
  /** The thread, and how many results it had received, when the operation began. */
  private t: KThread | null = null;
  private from = 0;

  constructor(op: Op<T>) {
    super();
    this.op = op;
  }

  next(value?: unknown): IteratorResult<Action, T> {
    if (this.t === null) {
      this.t = currentThread();
      this.from = this.t.received.length;
    }
    const r = this.op.next(value);
    if (r.done) {
      this.t.received.length = this.from;
      this.t.received.push(r.value);
    }
    return r;
  }

  throw(e: unknown): IteratorResult<Action, T> {
    return this.op.throw(e);
  }

  return(value: T): IteratorResult<Action, T> {
    return this.op.return(value);
  }
}

/**
 * A loop whose iterations carry nothing but `state` from one to the next: `body(state)` runs an
 * iteration and returns the next state, or null to end the loop. For state identity (as `settled`),
 * a thread in an iteration holds that iteration's state and the results since it began, not what
 * earlier iterations received; so a kernel thread's main loop (prq_event_thread) that comes back to
 * a state it was in is seen to. Once the loop ends, it is settled: nothing of it is kept. Sound
 * where `body` writes nothing of its caller's: only `state` carries over. The state must be plain
 * data (a number, a string, a flag).
 *
 * Give `body` as a function that calls a generator function written once (at module level, as
 * `until` is), not as a `function*` written inside the caller: V8 gives every new generator
 * function its own prototype and map when it is first called, about a microsecond each time.
 */
export function* iterate<S>(state: S, body: (state: S) => Op<S | null>): Op<void> {
  const t = currentThread();
  const from = t.received.length;
  for (let s: S | null = state; s !== null; s = yield* body(s)) {
    t.received.length = from;
    t.received.push(s);
  }
  t.received.length = from;
  t.received.push(undefined);
}

/** An iteration of `iterate` that is one step: the loop ends (null) if `step` returns true, else goes on in state `again`. */
export function* until<S>(step: Action<boolean>, again: S): Op<S | null> {
  return (yield* perform(step)) ? null : again;
}
