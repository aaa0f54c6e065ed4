import { down_read, down_write, mutex_lock, mutex_unlock, scenario, up_read, up_write, type RwsemPolicy, type Scenario } from '@interleave/engine';

/** Dining philosophers: each takes its left fork, then its right. `ordered`: the last takes them in the other order. */
export function philosophers(seats: number, ordered: boolean): Scenario {
  return scenario(`philosophers(${seats}${ordered ? ', ordered' : ''})`, (k) => {
    const forks = Array.from({ length: seats }, (_, i) => k.mutex(`fork${i}`));
    for (let i = 0; i < seats; i++) {
      let [first, second] = [forks[i]!, forks[(i + 1) % seats]!];
      if (ordered && i === seats - 1) [first, second] = [second, first];
      k.thread(`P${i}`, function* () {
        yield* mutex_lock(first);
        yield* mutex_lock(second);
        yield* mutex_unlock(second);
        yield* mutex_unlock(first);
      });
    }
  });
}

/** Readers and writers on one rwsem. */
export function readersWriters(readers: number, writers: number, policy: RwsemPolicy): Scenario {
  return scenario(`rwsem ${readers}R+${writers}W (${policy})`, (k) => {
    const sem = k.rwsem('sem', { policy });
    for (let i = 0; i < readers; i++) {
      k.thread(`R${i}`, function* () {
        yield* down_read(sem);
        yield* up_read(sem);
      });
    }
    for (let i = 0; i < writers; i++) {
      k.thread(`W${i}`, function* () {
        yield* down_write(sem);
        yield* up_write(sem);
      });
    }
  });
}

/** Threads that share nothing: every interleaving is equivalent. */
export function independent(threads: number): Scenario {
  return scenario(`${threads} independent threads`, (k) => {
    for (let i = 0; i < threads; i++) {
      const m = k.mutex(`m${i}`);
      k.thread(`T${i}`, function* () {
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
      });
    }
  });
}
