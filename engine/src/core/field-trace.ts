import { KObject } from './object.ts';
import { KThread } from './thread.ts';

/**
 * What an object's own fields hold, flattened into a list of values, so that the state cache's keys
 * (core/fingerprint.ts) can see without allocating that an object has not changed since the last
 * key and need not be written down again. The walk follows arrays, maps, sets and plain objects, and
 * stops at engine objects (by name, so that a trace holds in the next execution's world too) and
 * threads (by index). It skips functions, the object's world, id and name, and step numbers.
 *
 * A trace decides only whether the snapshot is written down again, never what the key holds: an
 * object whose fields, and the objects whose states it shows (KObject.statesShown), are as they were
 * has the snapshot it had.
 */
export type Trace = unknown[];

/** Plain data nested deeper than this is not traced: the object's snapshot is written down at every key. */
const MAX_DEPTH = 6;
const OWN = new Set(['world', 'id', 'name', 'alone']);
const OBJECT = '\u0000@';
const THREAD = '\u0000%';
const END = '\u0000.';

/** Writes a trace, or (`check`) compares one with what the fields hold now. */
class Walk {
  i = 0;
  readonly t: Trace;
  readonly check: boolean;
  readonly world: unknown;

  constructor(t: Trace, check: boolean, world: unknown) {
    this.t = t;
    this.check = check;
    this.world = world;
  }

  /** The next value of the trace: written, or compared. */
  put(x: unknown): boolean {
    if (this.check && this.t[this.i] !== x) return false;
    this.t[this.i++] = x;
    return true;
  }

  /** Walks `v`; false at the first difference, or where the data nests deeper than MAX_DEPTH. */
  value(v: unknown, depth: number): boolean {
    if (typeof v === 'function' || v === this.world) return true;
    if (typeof v !== 'object' || v === null) return this.put(v);
    if (depth > 0 && v instanceof KObject) return this.put(OBJECT) && this.put(v.name);
    if (v instanceof KThread) return this.put(THREAD) && this.put(v.index);
    if (depth > MAX_DEPTH || !this.put(v.constructor)) return false;
    if (v instanceof Map) {
      for (const [k, x] of v) if (!this.value(k, depth + 1) || !this.value(x, depth + 1)) return false;
    } else if (v instanceof Set || Array.isArray(v)) {
      for (const x of v) if (!this.value(x, depth + 1)) return false;
    } else {
      for (const key in v) {
        if (key === 'step' || (depth === 0 && OWN.has(key))) continue;
        if (!this.put(key) || !this.value((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
    }
    return this.put(END);
  }
}

/** The trace of `o`'s own fields, or null where its data nests too deep to trace. */
export function traceOf(o: KObject): Trace | null {
  const t: Trace = [];
  return new Walk(t, false, o.world).value(o, 0) ? t : null;
}

/** Whether `o`'s own fields hold what they held when `trace` was taken. */
export function sameFields(o: KObject, trace: Trace): boolean {
  const w = new Walk(trace, true, o.world);
  return w.value(o, 0) && w.i === trace.length;
}
