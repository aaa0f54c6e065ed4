import { act, perform, wakeAct, type Op } from '../core/action.ts';
import { KObject, WRITE, type ObjectState } from '../core/object.ts';
import type { KThread, WaitInfo, Waitable } from '../core/thread.ts';
import type { World } from '../core/world.ts';
import { mightSleep } from './context.ts';
import { checkAlive } from './lock.ts';

/**
 * A counting `struct semaphore` (kernel/locking/semaphore.c). `down` takes one unit of `count` or
 * sleeps at the tail of the wait list; `up` gives the unit straight to the first waiter if there is one
 * (so no newcomer can take it first), else adds it to `count`. A semaphore has no owner: any thread
 * may `up`, and lockdep does not track it.
 */
export class Semaphore extends KObject implements Waitable {
  override readonly stateInFootprint = true;
  readonly kind = 'semaphore';
  count: number;
  readonly waiters: KThread[] = [];

  constructor(world: World, name: string, count: number) {
    super(world, name);
    if (!Number.isInteger(count) || count < 0) throw new Error(`k.semaphore('${name}'): the count must be an integer ≥ 0, got ${JSON.stringify(count)}`);
    this.count = count;
  }

  /** Returns true if the thread had to sleep. */
  down(t: KThread): boolean {
    checkAlive(this, t, 'down');
    mightSleep(t, 'down', this.name);
    if (this.count > 0) {
      this.count--;
      this.world.note(() => `count ${this.count + 1} → ${this.count}`);
      return false;
    }
    this.waiters.push(t);
    t.sleep(this, 'down');
    this.world.note(() => `count 0: sleeps`);
    return true;
  }

  /** `down_trylock`: 0 if it took a unit, 1 if not (the kernel's convention, the opposite of mutex_trylock). */
  trylock(t: KThread): number {
    checkAlive(this, t, 'down_trylock');
    if (this.count === 0) {
      this.world.note('count 0: fails');
      return 1;
    }
    this.count--;
    this.world.note(() => `count ${this.count + 1} → ${this.count}`);
    return 0;
  }

  up(t: KThread): void {
    checkAlive(this, t, 'up');
    const first = this.waiters.shift();
    if (first) {
      first.wakeUp();
      this.world.note(() => `gave the unit to ${first.name}`);
    } else {
      this.count++;
      this.world.note(() => `count ${this.count - 1} → ${this.count}`);
    }
  }

  waitInfo(t: KThread): WaitInfo {
    const ahead = this.waiters.slice(0, Math.max(0, this.waiters.indexOf(t)));
    return { text: `until up()${ahead.length ? `, behind ${ahead.map((w) => w.name).join(', ')}` : ''} (count 0)`, blockers: [] };
  }

  snapshot(): ObjectState {
    const waiting = this.waiters.length ? `; waiting: ${this.waiters.map((w) => w.name).join(', ')}` : '';
    return { name: this.name, kind: this.kind, count: this.count, waiters: this.waiters.map((w) => w.name), summary: `count ${this.count}${waiting}` };
  }
}

export function* down(sem: Semaphore): Op<void> {
  if (yield* perform(act('down', sem, WRITE, (t) => sem.down(t)))) {
    yield* perform(wakeAct('down', sem, null, () => sem.world.note(() => `took ${sem.name} (given by up)`)));
  }
}

/** Returns 0 if it took the semaphore, 1 if not, as the kernel's `down_trylock`. */
export function* down_trylock(sem: Semaphore): Op<number> {
  return yield* perform(act('down_trylock', sem, WRITE, (t) => sem.trylock(t)));
}

export function* up(sem: Semaphore): Op<void> {
  yield* perform(act('up', sem, WRITE, (t) => sem.up(t)));
}
