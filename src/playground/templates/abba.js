// AB-BA: two threads take two mutexes in opposite orders.
import { scenario, mutex_lock, mutex_unlock } from '@interleave/engine';

export default scenario('AB-BA', (k) => {
  const a = k.mutex('A');
  const b = k.mutex('B');
  k.thread('T1', function* () {
    yield* mutex_lock(a);
    yield* mutex_lock(b);
    yield* mutex_unlock(b);
    yield* mutex_unlock(a);
  });
  k.thread('T2', function* () {
    yield* mutex_lock(b); // the other order: take A first to fix it
    yield* mutex_lock(a);
    yield* mutex_unlock(a);
    yield* mutex_unlock(b);
  });
}, { focus: ['A', 'B'] }); // focus: the objects the workbench shows first
