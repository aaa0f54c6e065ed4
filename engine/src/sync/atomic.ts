import { act, perform, type Op } from '../core/action.ts';
import { ADD, KObject, READ, WRITE, type Mode, type ObjectState } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import type { World } from '../core/world.ts';
import { checkAlive } from './lock.ts';

/** An `atomic_t`. Plain increments and decrements commute with each other, so the explorer does not reorder them. */
export class Atomic extends KObject {
  override readonly stateInFootprint = true;
  readonly kind: string = 'atomic';
  protected count: number;

  constructor(world: World, name: string, value = 0) {
    super(world, name);
    this.count = value;
  }

  /** The value, for conditions (`wait_event`) and assertions after a step. */
  get value(): number {
    this.observe();
    return this.count;
  }

  /** Changes the value inside a step; models use it. */
  set(t: KThread, op: string, value: number): void {
    checkAlive(this, t, op);
    this.count = value;
    this.world.note(() => `${this.name} = ${value}`);
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.count, summary: `${this.count}` };
  }
}

function* atomicOp<R>(op: string, a: Atomic, mode: Mode, f: (t: KThread, v: number) => R): Op<R> {
  return yield* perform(
    act(op, a, mode, (t) => {
      checkAlive(a, t, op);
      return f(t, a.value);
    }),
  );
}

export const atomic_read = (a: Atomic): Op<number> => atomicOp('atomic_read', a, READ, (_t, v) => v);
export const atomic_set = (a: Atomic, value: number): Op<void> => atomicOp('atomic_set', a, WRITE, (t) => a.set(t, 'atomic_set', value));
export const atomic_add = (a: Atomic, n: number): Op<void> => atomicOp('atomic_add', a, ADD, (t, v) => a.set(t, 'atomic_add', v + n));
export const atomic_sub = (a: Atomic, n: number): Op<void> => atomicOp('atomic_sub', a, ADD, (t, v) => a.set(t, 'atomic_sub', v - n));
export const atomic_inc = (a: Atomic): Op<void> => atomic_add(a, 1);
export const atomic_dec = (a: Atomic): Op<void> => atomic_sub(a, 1);

export const atomic_add_return = (a: Atomic, n: number): Op<number> =>
  atomicOp('atomic_add_return', a, WRITE, (t, v) => {
    a.set(t, 'atomic_add_return', v + n);
    return v + n;
  });
export const atomic_inc_return = (a: Atomic): Op<number> => atomic_add_return(a, 1);
export const atomic_dec_return = (a: Atomic): Op<number> => atomic_add_return(a, -1);

/** Decrements and returns true if the result is zero. */
export const atomic_dec_and_test = (a: Atomic): Op<boolean> =>
  atomicOp('atomic_dec_and_test', a, WRITE, (t, v) => {
    a.set(t, 'atomic_dec_and_test', v - 1);
    return v - 1 === 0;
  });

/** Increments unless the value is zero; returns whether it did. A counter at zero stays dead. */
export const atomic_inc_not_zero = (a: Atomic): Op<boolean> =>
  atomicOp('atomic_inc_not_zero', a, WRITE, (t, v) => {
    if (v === 0) {
      a.world.note(() => `${a.name} is 0: not incremented`);
      return false;
    }
    a.set(t, 'atomic_inc_not_zero', v + 1);
    return true;
  });

/** Sets the value to `next` if it equals `expected`; returns the old value. */
export const atomic_cmpxchg = (a: Atomic, expected: number, next: number): Op<number> =>
  atomicOp('atomic_cmpxchg', a, WRITE, (t, v) => {
    if (v === expected) a.set(t, 'atomic_cmpxchg', next);
    return v;
  });
