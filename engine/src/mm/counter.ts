import { KObject, type ObjectState } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { References, type Holder } from '../checks/leaks.ts';
import { checkAlive } from '../sync/lock.ts';

/**
 * A reference count such as `mm_users`, `mm_count` or a file's `f_count`, which also remembers who
 * holds each reference so that the leak finder can say what keeps an object alive. Its value is the
 * number of references held. Models change it inside their steps (`mmget`, `fput`, ...).
 */
export class Counter extends KObject {
  override readonly stateInFootprint = true;
  readonly kind = 'counter';
  /** The object whose life this count governs. */
  readonly of: KObject;
  readonly refs: References;

  constructor(world: World, of: KObject, field: string) {
    super(world, `${of.name}.${field}`);
    this.of = of;
    this.refs = new References(of, field);
  }

  get value(): number {
    this.observe();
    return this.refs.count;
  }

  /** A reference held from the start, before any thread runs (`holder` null: by the scenario). */
  init(holder: Holder | null, op: string): void {
    this.refs.take(holder, op, null);
  }

  /** Takes a reference for `holder` inside a step; from zero it would revive a dead object. */
  get(t: KThread, holder: Holder, op: string): void {
    checkAlive(this, t, op);
    if (this.refs.count === 0) {
      throw new Violation('refcount', `${t.name} called ${op} on ${this.name} at 0: it would revive ${this.of.name}, which is already dying`);
    }
    this.refs.take(holder, op, t);
    this.world.note(() => `${this.name} = ${this.refs.count}`);
  }

  /** Takes a reference unless the count is zero; returns whether it did. A count at zero stays dead. */
  getNotZero(t: KThread, holder: Holder, op: string): boolean {
    checkAlive(this, t, op);
    if (this.refs.count === 0) {
      this.world.note(() => `${this.name} is 0: not taken`);
      return false;
    }
    this.get(t, holder, op);
    return true;
  }

  /** Drops `holder`'s reference inside a step and returns the new value; below zero is an underflow. */
  put(t: KThread, holder: Holder, op: string): number {
    checkAlive(this, t, op);
    if (this.refs.count === 0) throw new Violation('refcount', `${t.name} called ${op} on ${this.name} at 0: underflow`);
    this.refs.drop(holder, t);
    this.world.note(() => `${this.name} = ${this.refs.count}`);
    return this.refs.count;
  }

  snapshot(): ObjectState {
    const holders = this.refs.list().map((r) => (r.holder === null ? 'the scenario' : r.holder.name)).sort();
    return { name: this.name, kind: this.kind, value: this.refs.count, holders, summary: `${this.refs.count}${holders.length ? ` (${holders.join(', ')})` : ''}` };
  }
}
