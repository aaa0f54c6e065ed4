/**
 * A deadlock without a cycle: the hmm bug in miniature. An invalidation raises a counter and, on
 * its error path, returns without lowering it; a thread that waits for the counter to reach zero
 * then waits for a condition that nothing left can make true.
 */
import { scenario, atomic_inc, atomic_dec_and_test, wait_event, wake_up_all, type Scenario } from '@interleave/engine';

function invalidation(name: string, unwind: boolean): Scenario {
  return scenario(name, (k) => {
    const notifiers = k.atomic('notifiers', 0);
    const wq = k.waitqueue('wq');
    k.thread('reaper', function* () {
      yield* atomic_inc(notifiers); // invalidate_range_start: notifiers++
      // ... a trylock fails: return -EAGAIN, and no invalidate_range_end follows
      if (unwind && (yield* atomic_dec_and_test(notifiers))) yield* wake_up_all(wq);
    });
    k.thread('driver', function* () {
      yield* wait_event(wq, () => notifiers.value === 0, 'notifiers == 0');
    });
  });
}

export const lostWakeup = invalidation('error path keeps the count', false);
export const unwound = invalidation('error path unwinds the count', true);
