/** Kernel threads that are idle when the story begins: asleep on a wait queue before the threads run. */
import { iterate, until, type Op } from '../../core/action.ts';
import type { KThread } from '../../core/thread.ts';
import { assertBuilding } from '../../mm/build.ts';
import { WaitQueue, wait_event_check } from '../../sync/waitqueue.ts';

/**
 * Puts `t` to sleep on `wq` before the scenario starts, waiting until `what`: a kernel thread that is
 * idle when the story begins (an IRQ thread before its first interrupt, an idle worker, a device
 * waiting for its driver). Its body must begin with `woken_wait_event` on the same queue. Starting
 * asleep, rather than with a first check that finds the condition false, spares the explorer an
 * interleaving per thread that says only when that first check ran.
 */
export function startAsleep(t: KThread, wq: WaitQueue, what: string): void {
  assertBuilding(`startAsleep(${t.name})`);
  wq.waiters.push({ t, what });
  t.sleep(wq, 'wait_event');
}

/** The rest of a `wait_event` for a thread that is already asleep on `wq` (see `startAsleep`). */
export function* woken_wait_event(wq: WaitQueue, condition: () => boolean, what: string): Op<void> {
  // Woken, but the condition is still false: asleep again. Every re-check begins in one state.
  yield* iterate(true, () => until(wait_event_check(wq, condition, what, false), true));
}
