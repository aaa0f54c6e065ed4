import { act, perform, type Op } from '../core/action.ts';
import { ADD, KObject, READ, WRITE, type Mode, type ObjectState } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { checkAlive } from './lock.ts';

/**
 * A `refcount_t` (and, with `kref_*`, a `struct kref`). Unlike an `atomic_t` it refuses to go wrong
 * silently: an increment from zero is a use after free, a decrement below zero an underflow, and a
 * plain decrement to zero a leak of what the last reference should have freed — each a violation,
 * where the kernel would WARN.
 */
export class Refcount extends KObject {
  override readonly stateInFootprint = true;
  readonly kind: string = 'refcount';
  private count: number;

  constructor(world: World, name: string, value = 1) {
    super(world, name);
    if (!Number.isInteger(value) || value < 0) throw new Error(`refcount '${name}': the initial value must be an integer ≥ 0, got ${value}`);
    this.count = value;
  }

  get value(): number {
    this.observe();
    return this.count;
  }

  /** Adds `delta` inside a step, with the refcount_t checks; returns the new value. */
  adjust(t: KThread, op: string, delta: number): number {
    checkAlive(this, t, op);
    if (delta > 0 && this.count === 0) throw new Violation('refcount', `refcount_t: addition on 0; use-after-free: ${t.name} called ${op} on ${this.name}`);
    if (this.count + delta < 0) throw new Violation('refcount', `refcount_t: underflow; use-after-free: ${t.name} called ${op} on ${this.name} at 0`);
    this.count += delta;
    this.world.note(() => `${this.name} = ${this.count}`);
    return this.count;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.count, summary: `${this.count}` };
  }
}

function* refStep<R>(op: string, r: Refcount, mode: Mode, f: (t: KThread) => R): Op<R> {
  return yield* perform(act(op, r, mode, f));
}

/** Increments; from zero it is a use after free. Increments commute with each other. */
export const refcountInc = (r: Refcount, op: string): Op<void> => refStep(op, r, ADD, (t) => void r.adjust(t, op, 1));

/** Decrements and returns true if that was the last reference. */
export const refcountDecAndTest = (r: Refcount, op: string): Op<boolean> => refStep(op, r, WRITE, (t) => r.adjust(t, op, -1) === 0);

/** Increments unless the count is zero (the object is dying); returns whether it did. */
export const refcountIncNotZero = (r: Refcount, op: string): Op<boolean> =>
  refStep(op, r, WRITE, (t) => {
    checkAlive(r, t, op);
    if (r.value === 0) {
      r.world.note(() => `${r.name} is 0: not incremented`);
      return false;
    }
    r.adjust(t, op, 1);
    return true;
  });

export const refcount_read = (r: Refcount): Op<number> => refStep('refcount_read', r, READ, (t) => (checkAlive(r, t, 'refcount_read'), r.value));
export const refcount_inc = (r: Refcount): Op<void> => refcountInc(r, 'refcount_inc');
export const refcount_dec_and_test = (r: Refcount): Op<boolean> => refcountDecAndTest(r, 'refcount_dec_and_test');
export const refcount_inc_not_zero = (r: Refcount): Op<boolean> => refcountIncNotZero(r, 'refcount_inc_not_zero');

/** Decrements a count that must not reach zero here (the kernel WARNs "decrement hit 0; leaking memory"). */
export const refcount_dec = (r: Refcount): Op<void> =>
  refStep('refcount_dec', r, WRITE, (t) => {
    if (r.value === 1) throw new Violation('refcount', `refcount_t: decrement hit 0; leaking memory: ${t.name} called refcount_dec on ${r.name}`);
    r.adjust(t, 'refcount_dec', -1);
  });

export const kref_get = (k: Refcount): Op<void> => refcountInc(k, 'kref_get');
export const kref_get_unless_zero = (k: Refcount): Op<boolean> => refcountIncNotZero(k, 'kref_get_unless_zero');

/** Drops a reference; the last one runs `release` (in the caller's thread). Returns whether it did. */
export function* kref_put(k: Refcount, release?: () => Op<void>): Op<boolean> {
  const last = yield* refcountDecAndTest(k, 'kref_put');
  if (last && release) yield* release();
  return last;
}
