/**
 * Two mutexes taken in opposite orders by two threads (AB-BA), and the same pair taken in one
 * order by both.
 */
import { scenario, simulate, mutex_lock, mutex_unlock, type Scenario } from '@interleave/engine';

function pair(name: string, secondThreadOrder: 'AB' | 'BA'): Scenario {
  return scenario(name, (k) => {
    const a = k.mutex('A');
    const b = k.mutex('B');
    k.thread('T1', function* () {
      yield* mutex_lock(a);
      yield* mutex_lock(b);
      yield* mutex_unlock(b);
      yield* mutex_unlock(a);
    });
    const [first, second] = secondThreadOrder === 'AB' ? [a, b] : [b, a];
    k.thread('T2', function* () {
      yield* mutex_lock(first);
      yield* mutex_lock(second);
      yield* mutex_unlock(second);
      yield* mutex_unlock(first);
    });
  });
}

export const abba = pair('AB-BA', 'BA');
export const ordered = pair('AB-AB', 'AB');

/**
 * One lucky execution of AB-BA: T1 runs to the end before T2 starts, so nothing deadlocks. Lockdep
 * still sees both orders, and warns.
 */
export function luckyAbba() {
  const sim = simulate(abba);
  for (const t of ['T1', 'T2']) {
    while (sim.runnable().includes(t)) sim.step(t);
  }
  return { outcome: sim.outcome, schedule: sim.schedule, lockdep: sim.lockdep() };
}
