/**
 * Not a deadlock: T1 busy-waits, holding a mutex, for a flag that only T2 sets, and T2 needs the
 * mutex first. T1 can always take another step, so no state is ever stuck; the execution just
 * never ends, and the explorer stops it at its step bound.
 */
import { scenario, atomic_read, atomic_set, mutex_lock, mutex_unlock } from '@interleave/engine';

export const spinForever = scenario('busy-wait under a mutex', (k) => {
  const m = k.mutex('m');
  const flag = k.atomic('flag', 0);
  k.thread('T1', function* () {
    yield* mutex_lock(m);
    while ((yield* atomic_read(flag)) === 0) {
      // cpu_relax(): spin until T2 sets the flag
    }
    yield* mutex_unlock(m);
  });
  k.thread('T2', function* () {
    yield* mutex_lock(m);
    yield* atomic_set(flag, 1);
    yield* mutex_unlock(m);
  });
});
