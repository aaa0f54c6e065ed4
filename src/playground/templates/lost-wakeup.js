// A lost wake-up: the waker sets the condition but never calls wake_up, so a thread already
// asleep on the wait queue is never woken to see it.
import { scenario, atomic_set, wait_event, wake_up } from '@interleave/engine';

export default scenario('lost wake-up', (k) => {
  const done = k.atomic('done', 0);
  const wq = k.waitqueue('wq');
  k.thread('waiter', function* () {
    yield* wait_event(wq, () => done.value === 1, 'done == 1');
  });
  k.thread('waker', function* () {
    yield* atomic_set(done, 1);
    // the fix: yield* wake_up(wq);
  });
}, { focus: ['done', 'wq'] });
