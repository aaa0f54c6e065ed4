import type { Action, Op, ThreadBody } from './action.ts';
import type { Access, KObject } from './object.ts';
import { ScenarioError, Violation } from './violation.ts';
import type { World } from './world.ts';

export type ThreadStatus = 'ready' | 'waiting' | 'done' | 'crashed';

/** A lock (or other held resource) a thread holds, and where it took it. */
export interface Held {
  lock: KObject;
  /** `'read'`, `'write'` or `'exclusive'`. */
  mode: string;
  /** The step that took it (for a waiter: the step that granted it). */
  step: number;
  line: number | undefined;
  /** The operation that asked for it, e.g. `down_read`. */
  op: string;
  /** Lockdep's class for this hold, when a nesting annotation gave it a subclass (`mmap_lock/1`). */
  lockClass?: string;
}

/** Why a waiting thread cannot run, and which threads it waits for. */
export interface WaitInfo {
  /** e.g. "behind T2's queued down_write" or "held for read by T1". */
  text: string;
  blockers: KThread[];
}

/** Something a thread can sleep on (an object, or what a spin loop read) explains why the thread waits. */
export interface Waitable {
  readonly name: string;
  waitInfo(t: KThread): WaitInfo;
}

export interface ThreadOptions {
  /** Function names of the listing shown in this thread's column, e.g. `['sys_brk']`. */
  code?: string[];
  /** What the thread stands for in the story, in a few words: `'cxl driver'`, `'brk()'`. */
  role?: string;
  /**
   * Run the body again from the start each time it returns, forever (a reader that takes a lock in a
   * loop). An iteration must keep nothing between iterations outside engine objects: the liveness
   * check (`explore(s, { liveness: true })`) takes a restarted body's state to be its position alone.
   */
  forever?: boolean;
}

const NO_LINES: readonly number[] = [];

/** A kernel thread (or a user thread in the kernel): a generator body and the scheduler's view of it. */
export class KThread {
  readonly world: World;
  readonly index: number;
  readonly name: string;
  readonly options: ThreadOptions;
  readonly #body: ThreadBody;
  #gen: Op<void>;
  /**
   * The results the body has received since it (re)started: with the body, they determine its local
   * state (a body is deterministic and shares state only through objects). Read by the liveness check.
   */
  received: unknown[] = [];
  #started = false;
  /** The step this thread takes next, or null once it has finished. */
  pending: Action | null = null;
  status: ThreadStatus = 'ready';
  /** What the thread sleeps on, while `status` is `'waiting'`. */
  waiting: { on: Waitable; op: string } | null = null;
  /** The step that woke the thread from its last sleep. */
  wokenBy = -1;
  /** Counters of atomic context, as the kernel keeps them. */
  preemptCount = 0;
  irqsDisabled = 0;
  pagefaultsDisabled = 0;
  /** `rcu_read_lock` nesting (the kernel's `current->rcu_read_lock_nesting`). */
  rcuReadDepth = 0;
  /** The non-blocking sections entered (`current->non_block_count`), innermost last, each with why: see sync/context.ts. */
  readonly nonBlocking: string[] = [];
  /** A lockdep nesting annotation in force for the lock being taken (`mutex_lock_nested`). */
  nesting: { lock: KObject; subclass: number } | null = null;
  /** While the thread spins (`spin_until`): what its last check read; a write to any of it wakes it. */
  spinReads: readonly Access[] | null = null;
  /** Locks held, in the order taken. */
  readonly held: Held[] = [];
  /** The listing lines of the calls in progress (outermost first); see `at`, which enters and leaves them. */
  readonly lines: number[] = [];
  /** A copy of `lines` that steps share until a call is entered or left (null: not made yet). */
  #linesCopy: readonly number[] | null = NO_LINES;
  /** How many steps this thread has taken. */
  steps = 0;

  constructor(world: World, index: number, name: string, body: ThreadBody, options: ThreadOptions) {
    this.world = world;
    this.index = index;
    this.name = name;
    this.options = options;
    this.#body = body;
    this.#gen = body();
  }

  /** Enters a call at listing line `line`. */
  enter(line: number): void {
    this.lines.push(line);
    this.#linesCopy = null;
  }

  /** Leaves the innermost call. */
  leave(): void {
    this.lines.pop();
    this.#linesCopy = this.lines.length === 0 ? NO_LINES : null;
  }

  /** The lines of the calls in progress, as a step records them: a copy, shared by the steps taken between calls. */
  get stack(): readonly number[] {
    return (this.#linesCopy ??= this.lines.slice());
  }

  get line(): number | undefined {
    const n = this.lines.length;
    return n === 0 ? undefined : this.lines[n - 1];
  }

  /** Whether the scheduler may run this thread now. */
  get runnable(): boolean {
    return this.pending !== null && this.status === 'ready';
  }

  get finished(): boolean {
    return this.status === 'done' || this.status === 'crashed';
  }

  /** Puts the thread to sleep on `on`; a later wake step completes the operation. */
  sleep(on: Waitable, op: string): void {
    this.status = 'waiting';
    this.waiting = { on, op };
  }

  /** Called by the thread that grants or wakes this one. */
  wakeUp(): void {
    if (this.status !== 'waiting') return;
    this.status = 'ready';
    this.waiting = null;
    this.world.noteWake(this);
  }

  /** Runs the body until it yields its next action (or returns). Thread code runs here. */
  advance(value: unknown): void {
    if (this.#started) this.received.push(value);
    this.#started = true;
    let r = this.#gen.next(value);
    if (r.done && this.options.forever) r = this.#restart();
    if (!r.done && !isAction(r.value)) throw new ScenarioError(notAStep(this.name, r.value));
    this.pending = r.done ? null : r.value;
    if (r.done) this.status = 'done';
  }

  /** Starts a `forever` body's next iteration, which must begin with a step and holds no lock from the last. */
  #restart(): IteratorResult<Action, void> {
    const h = this.held[0];
    if (h) throw new Violation('lock-held-at-exit', `${this.name} ended an iteration of its forever body while holding ${h.lock.name}`);
    this.#gen = this.#body();
    this.received = [];
    const r = this.#gen.next();
    if (r.done) throw new ScenarioError(`${this.name}'s forever body returned without taking a step: it would loop without end`);
    return r;
  }

  holds(lock: KObject): Held | undefined {
    return this.held.find((h) => h.lock === lock);
  }

  /** Forgets one hold of `lock` in `mode` (the most recent one). */
  release(lock: KObject, mode?: string): Held | undefined {
    for (let i = this.held.length - 1; i >= 0; i--) {
      const h = this.held[i]!;
      if (h.lock === lock && (mode === undefined || h.mode === mode)) {
        this.held.splice(i, 1);
        return h;
      }
    }
    return undefined;
  }
}

function isAction(x: unknown): x is Action {
  return typeof x === 'object' && x !== null && typeof (x as Action).run === 'function' && typeof (x as Action).footprint === 'function';
}

/** What went wrong when a body yields something that is not a step: usually `yield op()` for `yield* op()`. */
function notAStep(thread: string, value: unknown): string {
  const generator = typeof value === 'object' && value !== null && typeof (value as Generator).next === 'function';
  if (generator) return `${thread} yielded a kernel operation without the star: write yield* op(...) (e.g. yield* mutex_lock(m)), not yield op(...)`;
  const what = value === undefined ? 'nothing (a bare yield)' : typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
  return `${thread} yielded ${what}, which is not a step: a thread body yields only through kernel operations, with yield*`;
}

let running: KThread | null = null;
/** Whether the running thread is executing its own code between steps (not a step). */
let betweenSteps = false;

/** The thread whose code or step is running now. Kernel operations use it to know who calls them. */
export function currentThread(): KThread {
  if (running === null) {
    throw new Error('no thread is running: kernel operations are used inside a thread body, with yield*');
  }
  return running;
}

/** The thread whose code or step is running now, or null while none is (during build). */
export function runningThread(): KThread | null {
  return running;
}

export function setRunning(t: KThread | null, code = false): void {
  running = t;
  betweenSteps = t !== null && code;
}

/** The thread running its own code between steps, if one is: reads of shared state there are invisible to the explorer. */
export function threadBetweenSteps(): KThread | null {
  return betweenSteps ? running : null;
}
