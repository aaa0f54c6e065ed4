import { act, iterate, perform, until, wakeAct, type Op } from '../core/action.ts';
import { KObject, WRITE, type ObjectState } from '../core/object.ts';
import type { KThread, WaitInfo, Waitable } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import { mightSleep } from './context.ts';
import { checkAlive } from './lock.ts';

/** `complete_all` sets `done` to UINT_MAX: every later wait returns at once, until reinit_completion. */
const ALL = Infinity;

/**
 * A `struct completion` (kernel/sched/completion.c): a count `done` and a queue of waiters.
 * `complete` adds one to `done` and wakes the first waiter; `complete_all` makes `done` infinite and
 * wakes them all; `wait_for_completion` sleeps while `done` is 0 and then takes one. A woken waiter
 * takes its one when it runs, so a newcomer that calls wait_for_completion first may take it instead,
 * and the woken one sleeps again at the tail of the queue, as in the kernel.
 */
export class Completion extends KObject implements Waitable {
  override readonly stateInFootprint = true;
  readonly kind = 'completion';
  done = 0;
  readonly waiters: KThread[] = [];

  /** A step of wait_for_completion: returns true if the thread took the completion, false if it sleeps. */
  wait(t: KThread, first: boolean): boolean {
    checkAlive(this, t, 'wait_for_completion');
    if (first) mightSleep(t, 'wait_for_completion', this.name);
    if (this.done > 0) {
      if (this.done !== ALL) this.done--;
      this.world.note(() => first ? `${this.name} is done: no wait` : `woken: ${this.name} is done`);
      return true;
    }
    this.waiters.push(t);
    t.sleep(this, 'wait_for_completion');
    this.world.note(() => first ? `sleeps until ${this.name} is completed` : `another thread took the completion first: sleeps again`);
    return false;
  }

  complete(t: KThread, all: boolean): void {
    const op = all ? 'complete_all' : 'complete';
    checkAlive(this, t, op);
    this.done = all ? ALL : this.done === ALL ? ALL : this.done + 1;
    const woken = all ? this.waiters.splice(0) : this.waiters.splice(0, 1);
    for (const w of woken) w.wakeUp();
    this.world.note(() => woken.length ? `woke ${woken.map((w) => w.name).join(', ')}` : `done = ${this.doneText}; no waiters`);
  }

  reinit(t: KThread, op: string): void {
    checkAlive(this, t, op);
    if (op === 'init_completion' && this.waiters.length > 0) {
      throw new Violation('init-with-waiters', `${t.name} called init_completion on ${this.name} while ${this.waiters.map((w) => w.name).join(', ')} wait on it: init_completion reinitialises the wait queue under them (reinit_completion resets only the count)`);
    }
    this.done = 0;
    this.world.note(() => `done = 0`);
  }

  private get doneText(): string {
    return this.done === ALL ? 'UINT_MAX (complete_all)' : String(this.done);
  }

  waitInfo(t: KThread): WaitInfo {
    const ahead = this.waiters.slice(0, Math.max(0, this.waiters.indexOf(t)));
    return { text: `until complete() or complete_all()${ahead.length ? `, behind ${ahead.map((w) => w.name).join(', ')}` : ''}`, blockers: [] };
  }

  snapshot(): ObjectState {
    const waiting = this.waiters.length ? `; waiting: ${this.waiters.map((w) => w.name).join(', ')}` : '';
    return { name: this.name, kind: this.kind, done: this.done === ALL ? 'all' : this.done, waiters: this.waiters.map((w) => w.name), summary: `done ${this.doneText}${waiting}` };
  }
}

/** Sleeps until the completion is done, then consumes one `complete` (none after `complete_all`). */
export function* wait_for_completion(c: Completion): Op<void> {
  // Woken, but a newcomer took the completion first: sleep again. Every retry begins in one state.
  yield* iterate(true, (first) => until(first ? act('wait_for_completion', c, WRITE, (t) => c.wait(t, true)) : wakeAct('wait_for_completion', c, WRITE, (t) => c.wait(t, false)), false));
}

/** Adds one to `done` and wakes the first waiter. */
export function* complete(c: Completion): Op<void> {
  yield* perform(act('complete', c, WRITE, (t) => c.complete(t, false)));
}

/** Marks the completion done for good (until reinit) and wakes every waiter. */
export function* complete_all(c: Completion): Op<void> {
  yield* perform(act('complete_all', c, WRITE, (t) => c.complete(t, true)));
}

/** Resets `done` to 0, for reuse after `complete_all`. */
export function* reinit_completion(c: Completion): Op<void> {
  yield* perform(act('reinit_completion', c, WRITE, (t) => c.reinit(t, 'reinit_completion')));
}

/** Initialises the completion (done = 0, an empty wait queue); `k.completion` already does. With waiters, a violation. */
export function* init_completion(c: Completion): Op<void> {
  yield* perform(act('init_completion', c, WRITE, (t) => c.reinit(t, 'init_completion')));
}
