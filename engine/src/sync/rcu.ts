import { dynamicAct, perform, wakeAct, type Op } from '../core/action.ts';
import { KObject, WRITE, access, type Access, type ObjectState } from '../core/object.ts';
import { currentThread, type KThread, type WaitInfo, type Waitable } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { mightSleep } from './context.ts';
import { names } from './lock.ts';

/** A call_rcu callback: what it changes, what it does, and the function (given the object and the thread that queued it). */
interface Callback {
  obj: KObject;
  what: string;
  fn: (obj: KObject, queuedBy: KThread) => void;
}

/** Something waiting for a grace period: a synchronize_rcu caller, or a call_rcu callback. */
interface GracePeriodWait {
  /** The readers that were in a read-side critical section when it began. */
  readers: Set<KThread>;
  thread: KThread;
  /** For a callback: the object it frees (or changes), and what it does. */
  callback?: Callback;
}

/**
 * RCU as its users see it (Documentation/RCU/whatisRCU.rst): `rcu_read_lock`/`rcu_read_unlock` mark a
 * read-side critical section; `synchronize_rcu` returns once every reader that was inside one when it
 * was called has left it (later readers do not delay it); `call_rcu`/`kfree_rcu` run their callback
 * after such a grace period. There is one RCU per world, as in the kernel; it shows as `rcu_state`.
 *
 * Simplifications, stated: a callback runs as soon as its grace period ends, inside the step of the
 * reader that ended it (the kernel runs it later, from softirq or an rcuc kthread; running it at the
 * first moment it may run is the order that exposes a use after free soonest).
 */
export class Rcu extends KObject implements Waitable {
  readonly kind = 'rcu';
  readonly readers = new Set<KThread>();
  readonly waits: GracePeriodWait[] = [];

  lock(t: KThread): void {
    if (t.rcuReadDepth++ === 0) this.readers.add(t);
    this.world.note(() => t.rcuReadDepth === 1 ? 'enters an RCU read-side critical section' : `nesting ${t.rcuReadDepth}`);
  }

  unlock(t: KThread): void {
    if (t.rcuReadDepth === 0) throw new Violation('unbalanced', `${t.name} called rcu_read_unlock outside an RCU read-side critical section`);
    if (--t.rcuReadDepth > 0) return this.world.note(() => `nesting ${t.rcuReadDepth}`);
    this.readers.delete(t);
    this.world.note('leaves its RCU read-side critical section');
    for (const w of this.ending(t)) {
      this.waits.splice(this.waits.indexOf(w), 1);
      if (w.callback) this.invoke(w.callback, w.thread);
      else {
        w.thread.wakeUp();
        this.world.note(() => `grace period over: woke ${w.thread.name}`);
      }
    }
    for (const w of this.waits) w.readers.delete(t);
  }

  /** The waits whose grace period ends when `t` leaves its read-side section. */
  ending(t: KThread): GracePeriodWait[] {
    return this.waits.filter((w) => w.readers.size === 1 && w.readers.has(t));
  }

  /** synchronize_rcu's first step: returns true if it must wait. Inside a read-side section it waits for itself: a deadlock. */
  synchronize(t: KThread): boolean {
    if (t.rcuReadDepth === 0) mightSleep(t, 'synchronize_rcu', '');
    if (this.readers.size === 0) {
      this.world.note('no readers: the grace period is over at once');
      return false;
    }
    this.waits.push({ readers: new Set(this.readers), thread: t });
    t.sleep(this, 'synchronize_rcu');
    this.world.note(() => `waits for ${names([...this.readers])} to leave their read-side sections`);
    return true;
  }

  /** call_rcu/kfree_rcu: the callback runs after the readers in a section now have left it. */
  defer(t: KThread, callback: Callback): void {
    if (this.readers.size === 0) return this.invoke(callback, t);
    this.waits.push({ readers: new Set(this.readers), thread: t, callback });
    this.world.note(() => `${callback.what} after ${names([...this.readers])} leave their read-side sections`);
  }

  private invoke(cb: Callback, from: KThread): void {
    cb.fn(cb.obj, from);
    this.world.note(() => `grace period over: ${cb.what} (queued by ${from.name})`);
  }

  /** The objects the callbacks this step may run will change, for its footprint. */
  callbackFootprint(waits: readonly GracePeriodWait[]): Access[] {
    return waits.flatMap((w) => (w.callback ? [access(w.callback.obj, WRITE)] : []));
  }

  waitInfo(t: KThread): WaitInfo {
    const w = this.waits.find((x) => x.thread === t && !x.callback);
    const readers = w ? [...w.readers] : [];
    const self = readers.includes(t) ? ` (${t.name} itself is one: synchronize_rcu inside rcu_read_lock)` : '';
    return { text: `for the grace period: until ${names(readers)} leave${readers.length === 1 ? 's' : ''} the RCU read-side section${readers.length === 1 ? '' : 's'}${self}`, blockers: readers };
  }

  snapshot(): ObjectState {
    const readers = [...this.readers].map((r) => r.name);
    const sync = this.waits.filter((w) => !w.callback).map((w) => w.thread.name);
    const callbacks = this.waits.filter((w) => w.callback).length;
    const parts = [readers.length ? `readers: ${readers.join(', ')}` : 'no readers', ...(sync.length ? [`synchronize_rcu: ${sync.join(', ')}`] : []), ...(callbacks ? [`${callbacks} callback(s) pending`] : [])];
    return { name: this.name, kind: this.kind, readers, synchronizing: sync, callbacks, summary: parts.join('; ') };
  }
}

const RCU = {};

/** The world's RCU, made on first use. */
function rcu(world: World): Rcu {
  return world.local(RCU, () => new Rcu(world, 'rcu_state'));
}

/** A step on the world's RCU, plus the objects that callbacks it may run will change. */
function rcuStep<R>(op: string, run: (r: Rcu, t: KThread) => R, changes: (r: Rcu, t: KThread) => readonly Access[] = () => []): Op<R> {
  const r = rcu(currentThread().world);
  return perform(dynamicAct(op, r, false, (t) => [access(r, WRITE), ...changes(r, t)], (t) => run(r, t)));
}

export function rcu_read_lock(): Op<void> {
  return rcuStep('rcu_read_lock', (r, t) => r.lock(t));
}

/** Leaves the read-side section; the last reader a grace period waits for ends it. */
export function rcu_read_unlock(): Op<void> {
  return rcuStep('rcu_read_unlock', (r, t) => r.unlock(t), (r, t) => (t.rcuReadDepth === 1 ? r.callbackFootprint(r.ending(t)) : []));
}

/** Waits for a grace period: for every reader in a read-side section now to leave it. */
export function* synchronize_rcu(): Op<void> {
  if (yield* rcuStep('synchronize_rcu', (r, t) => r.synchronize(t))) {
    const r = rcu(currentThread().world);
    yield* perform(wakeAct('synchronize_rcu', r, null, () => r.world.note('returns: the grace period is over')));
  }
}

/**
 * Runs `fn(obj)` after a grace period (`call_rcu(&obj->rcu, fn)`). The callback runs inside a step,
 * as softirq code does: it must not sleep, and it may change only `obj` (free it, say).
 */
export function call_rcu<T extends KObject>(obj: T, fn: (obj: T, queuedBy: KThread) => void, what = `runs the RCU callback of ${obj.name}`): Op<void> {
  return rcuStep('call_rcu', (r, t) => r.defer(t, { obj, what, fn: fn as Callback['fn'] }), () => [access(obj, WRITE)]);
}

/** Frees `obj` after a grace period: a reader still in a section that began before can use it safely. */
export function kfree_rcu(obj: KObject): Op<void> {
  return call_rcu(obj, (o, queuedBy) => {
    if (o.freed) throw new Violation('double-free', `${o.name} freed twice (first at step ${o.freed.step + 1} by ${o.freed.thread})`);
    o.freed = { step: o.world.stepIndex, thread: `${queuedBy.name}'s kfree_rcu` };
  }, `frees ${obj.name} (kfree_rcu)`);
}
