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
 * object whose fields, and the objects whose states it shows, are as they were has the snapshot it
 * had (KObject.stateInFields).
 */
export type Trace = unknown[];

const OBJ = '\u0000@';
const THREAD = '\u0000%';
const ARRAY = '\u0000[';
const MAP = '\u0000m';
const SET = '\u0000s';
const OBJECT = '\u0000{';
const END = '\u0000}';
/** Plain data nested deeper than this is not traced: the object's snapshot is written down at every key. */
const MAX_DEPTH = 6;
const OWN = new Set(['world', 'id', 'name', 'alone']);

/** Thrown (one value, no stack) where the data nests deeper than MAX_DEPTH. */
const TOO_DEEP = Symbol('too deep');

function record(v: unknown, t: Trace, world: unknown, depth: number): void {
  if (typeof v !== 'object' || v === null) {
    if (typeof v !== 'function') t.push(v);
    return;
  }
  if (v instanceof KObject) {
    t.push(OBJ, v.name);
    return;
  }
  if (v instanceof KThread) {
    t.push(THREAD, v.index);
    return;
  }
  if (v === world) return;
  if (depth > MAX_DEPTH) throw TOO_DEEP;
  if (Array.isArray(v)) {
    t.push(ARRAY, v.length);
    for (const x of v) record(x, t, world, depth + 1);
  } else if (v instanceof Map) {
    t.push(MAP, v.size);
    for (const [k, x] of v) {
      record(k, t, world, depth + 1);
      record(x, t, world, depth + 1);
    }
  } else if (v instanceof Set) {
    t.push(SET, v.size);
    for (const x of v) record(x, t, world, depth + 1);
  } else {
    t.push(OBJECT);
    for (const key in v) {
      if (key === 'step') continue;
      t.push(key);
      record((v as Record<string, unknown>)[key], t, world, depth + 1);
    }
    t.push(END);
  }
}

/** Where the trace goes on after `v`, or -1 where `v` differs from it. */
function compare(v: unknown, t: unknown[], i: number, world: unknown): number {
  if (typeof v !== 'object' || v === null) {
    if (typeof v === 'function') return i;
    return t[i] === v ? i + 1 : -1;
  }
  if (v instanceof KObject) return t[i] === OBJ && t[i + 1] === v.name ? i + 2 : -1;
  if (v instanceof KThread) return t[i] === THREAD && t[i + 1] === v.index ? i + 2 : -1;
  if (v === world) return i;
  if (Array.isArray(v)) {
    if (t[i] !== ARRAY || t[i + 1] !== v.length) return -1;
    i += 2;
    for (const x of v) if ((i = compare(x, t, i, world)) < 0) return -1;
    return i;
  }
  if (v instanceof Map) {
    if (t[i] !== MAP || t[i + 1] !== v.size) return -1;
    i += 2;
    for (const [k, x] of v) if ((i = compare(k, t, i, world)) < 0 || (i = compare(x, t, i, world)) < 0) return -1;
    return i;
  }
  if (v instanceof Set) {
    if (t[i] !== SET || t[i + 1] !== v.size) return -1;
    i += 2;
    for (const x of v) if ((i = compare(x, t, i, world)) < 0) return -1;
    return i;
  }
  if (t[i++] !== OBJECT) return -1;
  for (const key in v) {
    if (key === 'step') continue;
    if (t[i] !== key) return -1;
    if ((i = compare((v as Record<string, unknown>)[key], t, i + 1, world)) < 0) return -1;
  }
  return t[i] === END ? i + 1 : -1;
}

/** The trace of `o`'s own fields, or null where its data nests too deep to trace. */
export function traceOf(o: KObject): Trace | null {
  const t: Trace = [];
  try {
    for (const key in o) {
      if (OWN.has(key) || key === 'step') continue;
      t.push(key);
      record((o as unknown as Record<string, unknown>)[key], t, o.world, 0);
    }
  } catch (e) {
    if (e === TOO_DEEP) return null;
    throw e;
  }
  return t;
}

/** Whether `o`'s own fields hold what they held when `trace` was taken. */
export function sameFields(o: KObject, values: Trace): boolean {
  let i = 0;
  for (const key in o) {
    if (OWN.has(key) || key === 'step') continue;
    if (values[i] !== key) return false;
    if ((i = compare((o as unknown as Record<string, unknown>)[key], values, i + 1, o.world)) < 0) return false;
  }
  return i === values.length;
}
