import { act, dynamicAct, iterate, perform, until, type Action, type Op } from '../core/action.ts';
import { KObject, WRITE, access, trackReads, type Access, type ObjectState } from '../core/object.ts';
import type { KThread, WaitInfo, Waitable } from '../core/thread.ts';
import { mightSleep } from './context.ts';

/**
 * A wait queue head. `wait_event` sleeps until its condition holds, re-checking it each time the
 * queue is woken; `wake_up` and `wake_up_all` wake every `wait_event` waiter (they are not
 * exclusive), as in the kernel. Checking the condition and queueing are one step, so no wake-up is
 * lost, as with the kernel's prepare_to_wait.
 */
export class WaitQueue extends KObject implements Waitable {
  override readonly stateInFootprint = true;
  readonly kind = 'waitqueue';
  readonly waiters: { t: KThread; what: string }[] = [];

  /** The step of `wait_event` (first check or re-check): returns true once the condition holds. */
  check(t: KThread, condition: () => boolean, what: string, first: boolean): boolean {
    if (first) mightSleep(t, 'wait_event', this.name);
    if (condition()) {
      this.world.note(() => `${what}: true`);
      return true;
    }
    this.waiters.push({ t, what });
    t.sleep(this, 'wait_event');
    this.world.note(() => `sleeps until ${what}`);
    return false;
  }

  /** Wakes every waiter: `wait_event` waiters are not exclusive, so `wake_up` wakes them all too. */
  wake(): void {
    const woken = this.waiters.splice(0);
    for (const w of woken) w.t.wakeUp();
    this.world.note(() => woken.length ? `woke ${woken.map((w) => w.t.name).join(', ')}` : 'no waiters');
  }

  /** The objects a condition reads, for the footprint of the step that checks it. */
  footprint(condition: () => boolean): Access[] {
    return [access(this, WRITE), ...trackReads(condition).reads];
  }

  waitInfo(t: KThread): WaitInfo {
    const w = this.waiters.find((x) => x.t === t);
    return { text: `until ${w?.what ?? 'its condition holds'}`, blockers: [] };
  }

  snapshot(): ObjectState {
    return {
      name: this.name,
      kind: this.kind,
      waiters: this.waiters.map((w) => ({ thread: w.t.name, until: w.what })),
      summary: this.waiters.length ? `sleeping: ${this.waiters.map((w) => `${w.t.name} (until ${w.what})`).join(', ')}` : 'empty',
    };
  }
}

/**
 * Sleeps until `condition` is true. The condition may read engine objects only (it is re-evaluated
 * in later steps); `what` describes it in messages, e.g. `'range->valid'`.
 */
export function* wait_event(wq: WaitQueue, condition: () => boolean, what = 'its condition holds'): Op<void> {
  // Woken, but the condition is still false: sleep again. Every re-check begins in one state.
  yield* iterate(true, (first) => until(wait_event_check(wq, condition, what, first), false));
}

/** One check of `wait_event`'s condition (`first`: the call's own, else one after a wake-up): true if it holds, else the thread sleeps. */
export function wait_event_check(wq: WaitQueue, condition: () => boolean, what: string, first: boolean): Action<boolean> {
  return dynamicAct('wait_event', wq, !first, () => wq.footprint(condition), (t) => wq.check(t, condition, what, first));
}

export function* wake_up(wq: WaitQueue): Op<void> {
  yield* perform(act('wake_up', wq, WRITE, () => wq.wake()));
}

export function* wake_up_all(wq: WaitQueue): Op<void> {
  yield* perform(act('wake_up_all', wq, WRITE, () => wq.wake()));
}
