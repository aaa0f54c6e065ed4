import type { Execution } from './execution.ts';
import { KObject, type Access } from './object.ts';
import type { KThread } from './thread.ts';

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
  const threads = exec.threads.map((t) => [...threadKey(t), t.finished ? [] : t.received.map(resultKey)]);
  const objects = exec.world.objects.map(objectKey);
  return JSON.stringify([threads, objects, exec.world.localKeys()]);
}

/**
 * The same state identity, kept up to date step by step for the explorer's state cache
 * (search/state-cache.ts), which needs the key of every state it passes. Every part (a thread, an
 * object) is written down as text once and numbered, so a key is a short list of numbers:
 *
 * - a synchronization primitive is written down again only after a step whose footprint names it
 *   (KObject.stateInFootprint); any other object at every state, since a footprint does not name
 *   every object whose snapshot a step changes (an mm's snapshot shows its counters, which are
 *   objects of their own);
 * - a thread's results are numbered as a chain (the results so far, then the next), so a step adds
 *   one link instead of writing down every result since the thread started. A result is written
 *   down when the thread receives it (an array an operation returned, as it was then).
 *
 * Two states have one key exactly when they have one fingerprint (test/fingerprint.test.ts checks
 * this on every case).
 */
export class StateKeys {
  private readonly numbers = new Map<string, number>();
  /** Per object: its text at the last key, and that text's number. */
  private readonly lastObjects: ({ text: string; n: number } | undefined)[] = [];
  /** Per thread: the results it was last seen with, and the chain's number after each. */
  private results: { seen: unknown[]; chain: number[] }[] = [];

  private number(text: string): number {
    let n = this.numbers.get(text);
    if (n === undefined) this.numbers.set(text, (n = this.numbers.size));
    return n;
  }

  /** A new execution: nothing is known of its objects or its threads' results. */
  reset(): void {
    this.results = [];
    this.lastObjects.length = 0;
  }

  /** A step with this footprint was taken: the objects it names are written down again. */
  touched(footprint: readonly Access[]): void {
    for (const a of footprint) this.lastObjects[a >> 2] = undefined;
  }

  key(exec: Execution): string {
    const parts: number[] = [];
    for (const t of exec.threads) {
      parts.push(this.number(JSON.stringify(threadKey(t))));
      parts.push(t.finished ? -1 : this.chain(t));
    }
    const objects = exec.world.objects;
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]!;
      const last = this.lastObjects[i];
      if (last !== undefined && o.stateInFootprint) {
        parts.push(last.n);
        continue;
      }
      // Most objects are as they were at the last key: comparing the text is cheaper than looking it up.
      const text = objectKey(o);
      if (last === undefined || last.text !== text) this.lastObjects[i] = { text, n: this.number(text) };
      parts.push(this.lastObjects[i]!.n);
    }
    const locals = exec.world.localKeys();
    if (locals.length > 0) parts.push(this.number(JSON.stringify(locals)));
    return parts.join(',');
  }

  /** The number of the thread's results so far, extending the chain it was last seen with. */
  private chain(t: KThread): number {
    const r = (this.results[t.index] ??= { seen: [], chain: [] });
    const received = t.received;
    let same = 0;
    while (same < received.length && same < r.seen.length && received[same] === r.seen[same]) same++;
    r.seen.length = same;
    r.chain.length = same;
    for (let i = same; i < received.length; i++) {
      r.seen.push(received[i]);
      r.chain.push(this.number(`${i === 0 ? '' : r.chain[i - 1]}>${JSON.stringify(resultKey(received[i]))}`));
    }
    return received.length === 0 ? -2 : r.chain[received.length - 1]!;
  }
}

/** An object's snapshot without step numbers, which are history. */
function objectKey(o: KObject): string {
  const text = JSON.stringify(o.snapshot());
  return text.includes('step') ? text.replace(STEP_NUMBER, 'step') : text;
}

const STEP_NUMBER = /"step":-?\d+|\bsteps? \d+/g;

/** A thread's part of the key, but for its results. */
function threadKey(t: KThread): unknown[] {
  return [
    t.status,
    t.waiting ? `${t.waiting.op} ${t.waiting.on.name}` : '',
    t.held.map((h) => `${h.lock.name}:${h.mode}:${h.lockClass ?? ''}`),
    [t.preemptCount, t.irqsDisabled, t.pagefaultsDisabled, t.rcuReadDepth],
    t.spinReads ?? [],
    t.lines,
    t.nonBlocking,
    t.nesting ? `${t.nesting.lock.name}/${t.nesting.subclass}` : '',
  ];
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
