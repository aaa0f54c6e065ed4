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

const OBJECT = '\u0000@';
const THREAD = '\u0000%';
const END = '\u0000.';
/** Plain data nested deeper than this is not traced: the object's snapshot is written down at every key. */
const MAX_DEPTH = 6;

/** Thrown (one value, no stack) where the data nests deeper than MAX_DEPTH. */
const TOO_DEEP = Symbol('too deep');

/** A key of a plain object that holds state (not a step number, nor, at the top, the object's world, identity or `alone`). */
const isState = (key: string, depth: number) => key !== 'step' && (depth > 0 || (key !== 'world' && key !== 'id' && key !== 'name' && key !== 'alone'));

/** Writes the trace of `v` into `t`. */
function record(v: unknown, t: Trace, world: unknown, depth: number): void {
  if (typeof v === 'function' || v === world) return;
  if (typeof v !== 'object' || v === null) t.push(v);
  else if (depth > 0 && v instanceof KObject) t.push(OBJECT, v.name);
  else if (v instanceof KThread) t.push(THREAD, v.index);
  else {
    if (depth > MAX_DEPTH) throw TOO_DEEP;
    t.push(v.constructor);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        record(k, t, world, depth + 1);
        record(x, t, world, depth + 1);
      }
    } else if (v instanceof Set || Array.isArray(v)) {
      for (const x of v) record(x, t, world, depth + 1);
    } else {
      for (const key in v) {
        if (!isState(key, depth)) continue;
        t.push(key);
        record((v as Record<string, unknown>)[key], t, world, depth + 1);
      }
    }
    t.push(END);
  }
}

/** Where the trace goes on after `v`, or -1 where `v` differs from it. */
function compare(v: unknown, t: Trace, i: number, world: unknown, depth: number): number {
  if (typeof v !== 'object' || v === null) return typeof v === 'function' ? i : t[i] === v ? i + 1 : -1;
  if (v === world) return i;
  if (depth > 0 && v instanceof KObject) return t[i] === OBJECT && t[i + 1] === v.name ? i + 2 : -1;
  if (v instanceof KThread) return t[i] === THREAD && t[i + 1] === v.index ? i + 2 : -1;
  if (t[i++] !== v.constructor) return -1;
  if (v instanceof Map) {
    for (const [k, x] of v) if ((i = compare(k, t, i, world, depth + 1)) < 0 || (i = compare(x, t, i, world, depth + 1)) < 0) return -1;
  } else if (Array.isArray(v)) {
    for (let j = 0; j < v.length; j++) {
      const x: unknown = v[j];
      // A number, string or other primitive inline: most of what arrays hold.
      if (typeof x !== 'object' && typeof x !== 'function') {
        if (t[i++] !== x) return -1;
      } else if ((i = compare(x, t, i, world, depth + 1)) < 0) return -1;
    }
  } else if (v instanceof Set) {
    for (const x of v) if ((i = compare(x, t, i, world, depth + 1)) < 0) return -1;
  } else {
    for (const key in v) {
      if (!isState(key, depth)) continue;
      const x = (v as Record<string, unknown>)[key];
      if (t[i++] !== key) return -1;
      if (typeof x !== 'object' && typeof x !== 'function') {
        if (t[i++] !== x) return -1;
      } else if ((i = compare(x, t, i, world, depth + 1)) < 0) return -1;
    }
  }
  return t[i] === END ? i + 1 : -1;
}

/** The trace of `o`'s own fields, or null where its data nests too deep to trace. */
export function traceOf(o: KObject): Trace | null {
  const t: Trace = [];
  try {
    record(o, t, o.world, 0);
  } catch (e) {
    if (e === TOO_DEEP) return null;
    throw e;
  }
  return t;
}

/** Whether `o`'s own fields hold what they held when `trace` was taken. */
export function sameFields(o: KObject, trace: Trace): boolean {
  return compare(o, trace, 0, o.world, 0) === trace.length;
}
