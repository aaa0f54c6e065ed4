import type { Execution } from './execution.ts';
import { KObject, type Access } from './object.ts';
import type { KThread } from './thread.ts';
import { sameFields, traceOf, type Trace } from './field-trace.ts';

/**
 * A state's fingerprint: what decides every future of an execution, and nothing of its history, so
 * that an execution that comes back to a state it was in is seen to.
 *
 * - A thread is its status, what it waits on, what it holds and its context counters, and its local
 *   state. A body's local state cannot be read (it is a suspended generator), but it is determined by
 *   the body and the results it has received since it started: a body is deterministic and shares
 *   state only through objects. So the results since the body (re)started stand for it. A `forever`
 *   body restarts with none, which is how a loop can come back to where it began; a finished
 *   thread has no local state left.
 * - An object is its snapshot (holders, queues, counts), without step numbers, which are history.
 * - What a layer above keeps per world (World.local) counts where it says how (`stateKey`): the
 *   leak finder's doomed objects, for one.
 *
 * A result that cannot be written down as a key (a closure, say) makes the state unlike any other:
 * no cycle is found through it (missed, never invented).
 */
export function fingerprint(exec: Execution): string {
  const threads = exec.threads.map((t) => [threadValues(t, []), t.finished ? [] : t.received.map(resultKey)]);
  const objects = exec.world.objects.map(objectKey);
  return JSON.stringify([threads, objects, exec.world.localKeys()]);
}

/**
 * The same state identity, kept up to date step by step for the explorer's state cache
 * (search/state-cache.ts), which needs the key of every state it passes. Every part (a thread, an
 * object) is written down as text once and numbered, so a key is a short list of numbers:
 *
 * - a synchronization primitive is written down again only after a step whose footprint names it
 *   (KObject.stateInFootprint); any other object when one of its own fields changed (compared with
 *   a trace of them, core/field-trace.ts: a footprint does not name every object a step changes) or
 *   an object whose state its snapshot shows did (KObject.statesShown: an mm shows its counts);
 * - what was written down holds from one execution to the next: a new one replayed to where the
 *   last branched writes down again the primitives that the steps between touched, and compares
 *   the other objects as at any key (`rewind`);
 * - a thread's results are numbered as a chain (the results so far, then the next), so a step adds
 *   one link instead of writing down every result since the thread started. A result is written
 *   down when the thread receives it (an array an operation returned, as it was then).
 *
 * Two states have one key exactly when they have one fingerprint (test/fingerprint.test.ts checks
 * this on every case).
 */
export class StateKeys {
  readonly #numbers = new Map<string, number>();
  /**
   * Per object: the number of its text when last written down, the keys it was written down and
   * last changed at, whether a step has touched it since, and (but for a primitive) the trace of
   * its fields and the ids of the objects whose states it shows.
   */
  readonly #lastObjects: ({ n: number; at: number; changed: number; stale: boolean; trace: Trace | null; shown: number[] } | undefined)[] = [];
  /** Per thread: the results it was last seen with, and the chain's number after each. */
  readonly #results: { seen: unknown[]; chain: number[] }[] = [];
  /** Per thread: the values of its part of the key when last written down (threadValues), and their number. */
  readonly #threadParts: { values: unknown[]; n: number }[] = [];
  /** A list reused for a thread's values at each key (threadValues). */
  readonly #scratch: unknown[] = [];
  /** The code units of the key being made (two per number), and how many are written so far. */
  readonly #codes: number[] = [];
  #written = 0;
  /** Keys written down so far. */
  #keys = 0;

  #number(text: string): number {
    let n = this.#numbers.get(text);
    if (n === undefined) this.#numbers.set(text, (n = this.#numbers.size));
    return n;
  }

  /**
   * A new execution, replayed to the state where the last one branched: the primitives that the
   * steps between that state and the last key touched are written down again, and the objects
   * made since (`objects` were made by then) are forgotten. The rest is compared as at any key.
   */
  rewind(between: readonly { footprint: readonly Access[] }[], objects: number): void {
    for (const s of between) this.touched(s.footprint);
    this.#lastObjects.length = Math.min(this.#lastObjects.length, objects);
    // An object that showed the state of one made since is written down again.
    for (const last of this.#lastObjects) if (last && last.shown.some((r) => r >= objects)) last.stale = true;
  }

  /** A step with this footprint was taken: the primitives it names are written down again. */
  touched(footprint: readonly Access[]): void {
    for (const a of footprint) {
      const last = this.#lastObjects[a >> 2];
      if (last && last.trace === null) last.stale = true; // another object is compared field by field
    }
  }

  key(exec: Execution): string {
    const now = ++this.#keys;
    this.#written = 0;
    for (const t of exec.threads) {
      this.#put(this.#threadNumber(t));
      this.#put(t.finished ? -1 : this.#chain(t));
    }
    const objects = exec.world.objects;
    // An object other than a primitive is written down again when a field changed, or when an
    // object whose state it shows did (at this key: so until nothing more changes).
    let changed = false;
    let reused = false;
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]!;
      const last = this.#lastObjects[i];
      if (last !== undefined && !last.stale && (o.stateInFootprint || (last.trace !== null && sameFields(o, last.trace)))) {
        reused ||= !o.stateInFootprint;
        continue;
      }
      changed = this.#write(o, now) || changed;
    }
    while (changed && reused) {
      changed = false;
      for (let i = 0; i < objects.length; i++) {
        const last = this.#lastObjects[i]!;
        if (last.trace !== null && last.at !== now && last.shown.some((r) => this.#lastObjects[r]!.changed === now)) changed = this.#write(objects[i]!, now) || changed;
      }
    }
    for (let i = 0; i < objects.length; i++) this.#put(this.#lastObjects[i]!.n);
    // What the layers above keep: the leak finder's key is one string, kept until it changes (and its hash with it).
    this.#put(this.#number(exec.world.localKeys().join('\u0000')));
    const codes = this.#codes;
    if (codes.length !== this.#written) codes.length = this.#written;
    return String.fromCharCode.apply(null, codes);
  }

  /** Writes a number into the key being made, as two UTF-16 code units: a short key, built without writing numbers out as text. */
  #put(n: number): void {
    this.#codes[this.#written++] = (n + 2) & 0xffff;
    this.#codes[this.#written++] = (n + 2) >>> 16;
  }

  /** Writes `o` down at key `now`; whether its text changed. */
  #write(o: KObject, now: number): boolean {
    const last = this.#lastObjects[o.id];
    const n = this.#number(objectKey(o));
    const changed = last === undefined || last.n !== n;
    const trace = o.stateInFootprint ? null : traceOf(o);
    this.#lastObjects[o.id] = { n, at: now, changed: changed ? now : last.changed, stale: false, trace, shown: trace ? o.statesShown().map((x) => x.id) : [] };
    return changed;
  }

  /** The number of the thread's part of the key but for its results: the last one, where its values are as they were. */
  #threadNumber(t: KThread): number {
    const values = threadValues(t, this.#scratch);
    const last = this.#threadParts[t.index];
    let n: number;
    if (last !== undefined && sameValues(values, last.values)) n = last.n;
    else this.#threadParts[t.index] = { values: values.slice(), n: (n = this.#number(JSON.stringify(values))) };
    values.length = 0;
    return n;
  }

  /** The number of the thread's results so far, extending the chain it was last seen with. */
  #chain(t: KThread): number {
    const r = (this.#results[t.index] ??= { seen: [], chain: [] });
    const received = t.received;
    let same = 0;
    while (same < received.length && same < r.seen.length && received[same] === r.seen[same]) same++;
    r.seen.length = same;
    r.chain.length = same;
    for (let i = same; i < received.length; i++) {
      r.seen.push(received[i]);
      r.chain.push(this.#number(`${i === 0 ? '' : r.chain[i - 1]}>${JSON.stringify(resultKey(received[i]))}`));
    }
    return received.length === 0 ? -2 : r.chain[received.length - 1]!;
  }
}

/** An object's snapshot without step numbers, which are history. */
function objectKey(o: KObject): string {
  return withoutStepNumbers(JSON.stringify(o.snapshot()));
}

/** A snapshot's text without the step numbers in it (`"step": 12`, "at step 12"), which are history. */
export function withoutStepNumbers(text: string): string {
  return text.includes('step') ? text.replace(STEP_NUMBER, 'step') : text;
}

const STEP_NUMBER = /"step":-?\d+|\bsteps? \d+/g;

/**
 * A thread's part of the key, but for its results, as a list of values written into `out`: its
 * status, what it waits on, its context counters and nesting annotation, what its spin read, what
 * it holds, the lines of its calls in progress and its non-blocking sections. Each list but the
 * last is preceded by its length, so two threads have equal lists exactly when they are in one state.
 */
function threadValues(t: KThread, out: unknown[]): unknown[] {
  const { waiting: w, nesting: n, spinReads: s } = t;
  out.push(t.status, w?.op, w?.on.name, t.preemptCount, t.irqsDisabled, t.pagefaultsDisabled, t.rcuReadDepth, n?.lock.name, n?.subclass, s ? s.length : -1);
  if (s) out.push(...s);
  out.push(t.held.length);
  for (const h of t.held) out.push(h.lock.name, h.mode, h.lockClass);
  out.push(t.lines.length, ...t.lines, ...t.nonBlocking);
  return out;
}

/** Whether two lists of values are equal, element by element. */
function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

let unique = 0;

function resultKey(v: unknown): unknown {
  if (v === undefined) return '~';
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof KObject) return `@${v.name}`;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof KObject ? `@${x.name}` : typeof x === 'function' ? `#${unique++}` : x));
  } catch {
    return `#${unique++}`;
  }
}
