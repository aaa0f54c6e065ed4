import type { ThreadBody } from './action.ts';
import { lineOf, type Listing } from './listing.ts';
import type { KObject } from './object.ts';
import { KThread, threadBetweenSteps, type ThreadOptions } from './thread.ts';
import { ScenarioError, Violation } from './violation.ts';

/** A lock operation as lockdep sees it: `acquire` when a thread asks for a lock, `release` when it drops it. */
export interface LockEvent {
  type: 'acquire' | 'release';
  lock: KObject;
  /** The lock's class: locks of one class share lockdep's rules (every mm's `mmap_lock`, say). */
  lockClass: string;
  mode: 'read' | 'write' | 'exclusive';
  /** The operation, e.g. `down_read`. */
  op: string;
  trylock: boolean;
  thread: KThread;
  step: number;
  line: number | undefined;
}

/** Something that watches an execution: lockdep, for one. */
export interface WorldObserver {
  lockEvent?(e: LockEvent): void;
}

/** A failure found when every thread has finished (a leak, say). */
export interface EndFailure {
  verdict: 'leak' | 'violation';
  message: string;
  detail?: unknown;
}

const GENERATOR_FUNCTION = Object.getPrototypeOf(function* () {}).constructor;
const ASYNC_GENERATOR_FUNCTION = Object.getPrototypeOf(async function* () {}).constructor;
const ASYNC_FUNCTION = Object.getPrototypeOf(async function () {}).constructor;

function describeBody(body: unknown): string {
  if (body instanceof ASYNC_GENERATOR_FUNCTION) return 'an async generator function (drop the async: kernel operations are not awaited)';
  if (body instanceof ASYNC_FUNCTION) return 'an async function (thread bodies are generators, and kernel operations are not awaited)';
  if (typeof body === 'function') return 'a plain function';
  return body === null ? 'null' : typeof body;
}

/**
 * The objects and threads of one execution. A scenario's `build` makes a fresh world each time, so
 * every execution starts from the same state.
 */
export class World {
  readonly objects: KObject[] = [];
  readonly threads: KThread[] = [];
  readonly listing: Listing | undefined;
  readonly observers: WorldObserver[] = [];
  /** Every name in use, and what holds it (a thread, or an object whose kind is known once it is built). */
  readonly #names = new Map<string, KThread | KObject>();
  readonly #endChecks: (() => EndFailure | null)[] = [];
  /** The state the layers above keep per world (the leak finder's registry, RCU), by their keys. */
  readonly #locals = new Map<object, unknown>();
  #sealed = false;
  /** Index of the step being taken (or, between steps, of the next one). */
  stepIndex = 0;
  /**
   * Whether steps record notes (what they did, in words) for a reader: a replay does, the search
   * does not (`note` calls a function given for the text only when this is true).
   */
  narrating = true;
  /** Notes and wake-ups of the step being taken (arrays made on first use). */
  draft: { notes: string[] | null; woke: number[] | null } | null = null;

  constructor(listing?: Listing) {
    this.listing = listing;
  }

  /** Gives an object its id; its name must be unique among objects and threads. */
  register(obj: KObject): number {
    this.#claimName(obj.name, obj);
    this.objects.push(obj);
    return this.objects.length - 1;
  }

  /** Creates a thread. Threads exist from the start: they cannot be made once execution has begun. */
  thread(name: string, body: ThreadBody, options: ThreadOptions = {}): KThread {
    if (this.#sealed) throw new Error(`k.thread('${name}'): threads must be created in build(k), not while threads run`);
    if (!(body instanceof GENERATOR_FUNCTION)) {
      throw new Error(`k.thread('${name}'): the body must be a generator function (function* () { ... }), got ${describeBody(body)}`);
    }
    const t = new KThread(this, this.threads.length, name, body, options);
    this.#claimName(name, t);
    this.threads.push(t);
    return t;
  }

  #claimName(name: string, owner: KThread | KObject): void {
    const what = owner instanceof KThread ? 'thread' : 'object';
    if (typeof name !== 'string' || name.trim() === '') throw new Error(`every ${what} needs a non-empty name`);
    const other = this.#names.get(name);
    if (other !== undefined) {
      throw new Error(`the name '${name}' is already taken by a ${other instanceof KThread ? 'thread' : other.kind}; names of threads and objects must be unique`);
    }
    this.#names.set(name, owner);
  }

  /** Refuses to make an object (`k.mutex(name)`, ...) once the build is over, e.g. inside a thread's body. */
  building(what: string, name: string): void {
    if (!this.#sealed) return;
    const t = threadBetweenSteps();
    const where = t ? `in ${t.name}'s body` : 'after build(k) returned';
    throw new ScenarioError(`k.${what}('${name}') was called ${where}: make every object in build(k), before the threads start, and share it with the threads`);
  }

  /** Ends the build: no more threads. */
  seal(): void {
    if (this.threads.length === 0) throw new Error('the scenario has no threads: call k.thread(name, function* () { ... }) in build(k)');
    this.#sealed = true;
  }

  /**
   * Attaches a sentence about what the current step did ("queued behind T2's down_write"). Give a
   * sentence built from names and values as a function that returns it: only a narrated run (a
   * replay) calls it, so the search builds no text.
   */
  note(text: string | (() => string)): void {
    if (this.draft && this.narrating) (this.draft.notes ??= []).push(typeof text === 'string' ? text : text());
  }

  /** Records that the current step woke `t` (the explorer orders `t`'s next step after it). */
  noteWake(t: KThread): void {
    if (this.draft) (this.draft.woke ??= []).push(t.index);
    t.wokenBy = this.stepIndex;
  }

  emitLock(e: LockEvent): void {
    for (const o of this.observers) o.lockEvent?.(e);
  }

  /**
   * The state a layer above keeps for this world under `key` (a module's own object), made by `make`
   * on first use. A world lives for one execution, and so does all it holds.
   */
  local<T>(key: object, make: () => T): T {
    let value = this.#locals.get(key) as T | undefined;
    if (value === undefined) this.#locals.set(key, (value = make()));
    return value;
  }

  /** The state of what the layers above keep here, for a state's fingerprint: each value's `stateKey()`, where it has one. */
  localKeys(): string[] {
    const keys: string[] = [];
    for (const v of this.#locals.values()) {
      const key = (v as { stateKey?: () => string }).stateKey?.();
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }

  /**
   * Empties a world the search has finished with: every field of its objects and threads that holds
   * an object is cleared, and so are its own lists. V8 allocates the generator of a generator
   * function made anew, as a thread body made in `build` is, in its old generation; through the
   * body's closure that generator reaches the objects `build` made, so until the next full
   * collection every scavenge copied the whole dead world (userfaultfd fixed, ten searches: 156 of
   * 882 MB allocated survived scavenges; 34 MB once each world is emptied). Emptied, the world
   * leaves that closure a few bare objects.
   */
  dispose(): void {
    for (const list of [this.objects, this.threads] as object[][]) {
      for (const o of list) {
        const fields = o as Record<string, unknown>;
        try {
          for (const k in fields) {
            const v = fields[k];
            if (v !== null && (typeof v === 'object' || typeof v === 'function')) fields[k] = null;
          }
        } catch {
          // A field that cannot be written (an object of a scenario's own, frozen): left as it is.
        }
      }
    }
    this.objects.length = 0;
    this.threads.length = 0;
    this.observers.length = 0;
    this.#names.clear();
    this.#endChecks.length = 0;
    this.#locals.clear();
  }

  /** Registers a check to run once every thread has finished (the leak finder uses this). */
  atEnd(check: () => EndFailure | null): void {
    this.#endChecks.push(check);
  }

  /** Runs the end checks in order; a `Violation` thrown by one is its failure, any other exception a ScenarioError. */
  runEndChecks(): EndFailure | null {
    for (const [i, check] of this.#endChecks.entries()) {
      let failure: EndFailure | null;
      try {
        failure = check();
      } catch (e) {
        if (e instanceof Violation) return { verdict: 'violation', message: e.message };
        const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        throw new ScenarioError(`end check ${i + 1} (registered with atEnd) threw ${what}; an end check returns null or a failure`, { cause: e });
      }
      if (failure) return failure;
    }
    return null;
  }

  lineOf(label: string): number {
    return lineOf(this.listing, label);
  }

  objectNamed(name: string): KObject | undefined {
    return this.objects.find((o) => o.name === name);
  }
}
