import { act, dynamicAct, perform, settled, wakeAct, type Op } from '../core/action.ts';
import { READ, WRITE, type ObjectState } from '../core/object.ts';
import type { KThread, WaitInfo } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { Lock } from './lock.ts';

export interface SpinlockOptions {
  lockClass?: string;
}

/**
 * A queued spinlock: taking it disables preemption; a contended locker spins (it cannot run, but it
 * does not sleep) and the lock passes to spinners in arrival order. Sleeping while holding it is a
 * violation (see `mightSleep`).
 */
export class Spinlock extends Lock {
  readonly kind = 'spinlock';
  owner: KThread | null = null;
  readonly spinners: KThread[] = [];

  constructor(world: World, name: string, options: SpinlockOptions = {}) {
    super(world, name, options.lockClass);
  }

  lock(t: KThread, op: string): boolean {
    this.checkAlive(t, op);
    t.preemptCount++;
    this.announce(t, 'exclusive', op);
    const owner = this.owner;
    if (owner === null) {
      this.owner = t;
      this.hold(t, 'exclusive', op);
      this.world.note(() => `acquired ${this.name}`);
      return false;
    }
    this.spinners.push(t);
    t.sleep(this, op);
    this.world.note(() => `spins: held by ${owner.name}`);
    return true;
  }

  trylock(t: KThread): boolean {
    this.checkAlive(t, 'spin_trylock');
    const owner = this.owner;
    if (owner !== null) {
      this.world.note(() => `failed: held by ${owner.name}`);
      return false;
    }
    t.preemptCount++;
    this.announce(t, 'exclusive', 'spin_trylock', true);
    this.owner = t;
    this.hold(t, 'exclusive', 'spin_trylock');
    return true;
  }

  unlock(t: KThread, op: string): void {
    this.checkAlive(t, op);
    if (this.owner !== t) {
      throw new Violation('unlock-not-held', `${t.name} called ${op} on ${this.name}, which it does not hold`);
    }
    this.unhold(t, 'exclusive', op);
    t.preemptCount--;
    const next = this.spinners.shift() ?? null;
    this.owner = next;
    if (next) {
      this.hold(next, 'exclusive', next.waiting?.op ?? 'spin_lock');
      next.wakeUp();
      this.world.note(() => `passed ${this.name} to ${next.name}`);
    }
  }

  waitInfo(t: KThread): WaitInfo {
    const ahead = this.spinners.slice(0, Math.max(0, this.spinners.indexOf(t)));
    const owner = this.owner ? [this.owner] : [];
    const text = [owner.length ? `held by ${this.owner!.name}` : '', ahead.length ? `behind ${ahead.map((s) => s.name).join(', ')}` : ''].filter(Boolean).join(', ');
    return { text: `(spinning) ${text}`, blockers: [...owner, ...ahead] };
  }

  snapshot(): ObjectState {
    const spinning = this.spinners.length ? `; spinning: ${this.spinners.map((s) => s.name).join(', ')}` : '';
    return {
      name: this.name,
      kind: this.kind,
      lockClass: this.lockClass,
      owner: this.owner?.name ?? null,
      spinners: this.spinners.map((s) => s.name),
      summary: (this.owner ? `held by ${this.owner.name}` : 'free') + spinning,
    };
  }
}

function* spinLock(l: Spinlock, op: string): Op<void> {
  if (yield* perform(act(op, l, WRITE, (t) => l.lock(t, op)))) {
    yield* perform(wakeAct(op, l, null, () => l.world.note(() => `acquired ${l.name} after spinning`)));
  }
}

export function spin_lock(l: Spinlock): Op<void> {
  return settled(spinLock(l, 'spin_lock'));
}

export function* spin_trylock(l: Spinlock): Op<boolean> {
  // A trylock that fails changes nothing: a read, which commutes with other failed attempts.
  return yield* perform(dynamicAct('spin_trylock', l, false, () => l.only(l.owner === null ? WRITE : READ).fp, (t) => l.trylock(t)));
}

export function* spin_unlock(l: Spinlock): Op<void> {
  yield* perform(act('spin_unlock', l, WRITE, (t) => l.unlock(t, 'spin_unlock')));
}

/** Disables interrupts, takes the lock, and returns the saved interrupt state for the restore. */
export function* spin_lock_irqsave(l: Spinlock): Op<number> {
  const flags = yield* perform(
    act('spin_lock_irqsave', l, WRITE, (t) => {
      const saved = t.irqsDisabled;
      t.irqsDisabled = 1;
      return { saved, spinning: l.lock(t, 'spin_lock_irqsave') };
    }),
  );
  if (flags.spinning) yield* perform(wakeAct('spin_lock_irqsave', l, null, () => l.world.note(() => `acquired ${l.name} after spinning`)));
  return flags.saved;
}

export function* spin_unlock_irqrestore(l: Spinlock, flags: number): Op<void> {
  yield* perform(
    act('spin_unlock_irqrestore', l, WRITE, (t) => {
      l.unlock(t, 'spin_unlock_irqrestore');
      t.irqsDisabled = flags;
    }),
  );
}
