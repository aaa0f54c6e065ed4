// hmm in miniature: an invalidation raises a count of notifiers in progress and, on its error
// path, returns without lowering it; the driver waits for the count to reach zero, for ever.
// A deadlock without a cycle.
import { scenario, atomic_inc, atomic_dec_and_test, wait_event, wake_up_all } from '@interleave/engine';

const unwind = false; // the fix: the error path undoes what it did

export default scenario('hmm: the error path keeps the count', (k) => {
  const notifiers = k.atomic('notifiers', 0);
  const wq = k.waitqueue('wq');
  k.thread('reaper', function* () {
    yield* atomic_inc(notifiers); // invalidate_range_start
    // a trylock fails: return -EAGAIN, with no invalidate_range_end
    if (unwind && (yield* atomic_dec_and_test(notifiers))) yield* wake_up_all(wq);
  });
  k.thread('driver', function* () {
    yield* wait_event(wq, () => notifiers.value === 0, 'notifiers == 0');
  });
}, { focus: ['notifiers', 'wq'] });
