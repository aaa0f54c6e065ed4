import { act, dynamicAct, iterate, perform, settled, until, wakeAct, type Op } from '../core/action.ts';
import { READ, WRITE, type ObjectState } from '../core/object.ts';
import type { KThread, WaitInfo } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { maySleep, mightSleep } from './context.ts';
import { Lock } from './lock.ts';

export interface MutexOptions {
  /** Lockdep class; defaults to the name. */
  lockClass?: string;
}

/**
 * A sleeping lock with an owner, as in `kernel/locking/mutex.c`: waiters queue FIFO; an unlock wakes
 * the first waiter, which then retries. Until it runs, another thread may take the free mutex (the
 * kernel lets a newcomer steal it); a woken waiter that finds the mutex taken asks for a handoff, and
 * the next unlock hands the mutex straight to it.
 */
export class Mutex extends Lock {
  readonly kind = 'mutex';
  owner: KThread | null = null;
  readonly waiters: KThread[] = [];
  /** The first waiter asked to be handed the mutex at the next unlock. */
  handoff = false;

  constructor(world: World, name: string, options: MutexOptions = {}) {
    super(world, name, options.lockClass);
  }

  lock(t: KThread): boolean {
    this.checkAlive(t, 'mutex_lock');
    mightSleep(t, 'mutex_lock', this.name);
    this.announce(t, 'exclusive', 'mutex_lock');
    if (this.owner === null) {
      this.take(t);
      return false;
    }
    this.waiters.push(t);
    t.sleep(this, 'mutex_lock');
    this.world.note(() => `waits: ${this.waitInfo(t).text}`);
    return true;
  }

  /** A woken waiter's retry: returns true once it owns the mutex. */
  retry(t: KThread): boolean {
    const owner = this.owner;
    if (owner === t) {
      this.world.note(() => `acquired ${this.name} (handed off)`);
      return true;
    }
    if (owner === null) {
      this.waiters.splice(this.waiters.indexOf(t), 1);
      this.take(t);
      return true;
    }
    if (this.waiters[0] === t) this.handoff = true;
    t.sleep(this, 'mutex_lock');
    this.world.note(() => `${owner.name} took ${this.name} first; waits again${this.handoff ? ' (handoff requested)' : ''}`);
    return false;
  }

  trylock(t: KThread): boolean {
    this.checkAlive(t, 'mutex_trylock');
    const owner = this.owner;
    if (owner !== null) {
      this.world.note(() => `failed: held by ${owner.name}`);
      return false;
    }
    this.announce(t, 'exclusive', 'mutex_trylock', true);
    this.take(t, 'mutex_trylock');
    return true;
  }

  unlock(t: KThread): void {
    this.checkAlive(t, 'mutex_unlock');
    if (this.owner !== t) {
      const state = this.owner ? `${this.owner.name} holds` : 'is not locked';
      throw new Violation('unlock-not-held', `${t.name} called mutex_unlock on ${this.name}, which ${state}`);
    }
    this.unhold(t, 'exclusive', 'mutex_unlock');
    this.owner = null;
    const first = this.waiters[0];
    if (!first) return;
    if (this.handoff) {
      this.handoff = false;
      this.waiters.shift();
      this.owner = first;
      this.hold(first, 'exclusive', 'mutex_lock');
      this.world.note(() => `handed ${this.name} to ${first.name}`);
    } else {
      this.world.note(() => `woke ${first.name}`);
    }
    first.wakeUp();
  }

  private take(t: KThread, op = 'mutex_lock'): void {
    this.owner = t;
    this.hold(t, 'exclusive', op);
    this.world.note(() => `acquired ${this.name}`);
  }

  waitInfo(t: KThread): WaitInfo {
    const ahead = this.waiters.slice(0, Math.max(0, this.waiters.indexOf(t)));
    const owner = this.owner ? [this.owner] : [];
    const clauses = [...(owner.length ? [`held by ${this.owner!.name}`] : []), ...(ahead.length ? [`queued behind ${ahead.map((w) => w.name).join(', ')}`] : [])];
    return { text: clauses.join(', '), blockers: [...owner, ...ahead] };
  }

  snapshot(): ObjectState {
    const waiting = this.waiters.length ? `; waiters: ${this.waiters.map((w) => w.name).join(', ')}` : '';
    return {
      name: this.name,
      kind: this.kind,
      lockClass: this.lockClass,
      owner: this.owner?.name ?? null,
      waiters: this.waiters.map((w) => w.name),
      handoff: this.handoff,
      summary: (this.owner ? `held by ${this.owner.name}` : 'free') + waiting,
    };
  }
}

/**
 * A mutex's waiters are woken in order, but a newcomer may take the free mutex first, so the order
 * in which waiters get it is not fixed: for the explorer, a contended `mutex_lock` waits, without a
 * step, until the mutex is free, and is then one step (Action.blocks). An attempt that breaks a rule
 * (the mutex freed, taken again by its owner, a context that may not sleep) is not postponed: the
 * rule breaks at once.
 */
function* lockStep(m: Mutex): Op<boolean> {
  return yield* perform({
    ...act('mutex_lock', m, WRITE, (t) => m.lock(t)),
    blocks: (t) => m.owner !== null && m.owner !== t && m.freed === null && maySleep(t),
  });
}

export function mutex_lock(m: Mutex): Op<void> {
  return settled(mutexLock(m));
}

function* mutexLock(m: Mutex): Op<void> {
  if (!(yield* lockStep(m))) return;
  // Woken, but another thread took the mutex first: sleep again. Every retry begins in one state.
  yield* iterate(true, () => until(wakeAct('mutex_lock', m, WRITE, (t) => m.retry(t)), true));
}

/** Returns true if it took the mutex (the spin_trylock convention, unlike down_read_trylock's). */
export function* mutex_trylock(m: Mutex): Op<boolean> {
  // A trylock that fails changes nothing: a read, which commutes with other failed attempts.
  return yield* perform(dynamicAct('mutex_trylock', m, false, () => m.only(m.owner === null ? WRITE : READ).fp, (t) => m.trylock(t)));
}

export function* mutex_unlock(m: Mutex): Op<void> {
  yield* perform({ ...act('mutex_unlock', m, WRITE, (t) => m.unlock(t)), releases: true });
}
