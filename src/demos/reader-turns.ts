/**
 * Two readers take an rwsem in turn, forever, and a writer wants it once: the smallest program in
 * which a reader-preferring rwsem starves its writer. Built once per policy, for the liveness check
 * (`explore(s, { liveness: true })`); each reader is a `forever` thread, so its state repeats.
 */
import { scenario, down_read, up_read, down_write, up_write, RWSEM_POLICIES, type RwsemPolicy, type Scenario } from '@interleave/engine';

function readerTurns(policy: RwsemPolicy): Scenario {
  return scenario(`two readers take turns (${policy})`, (k) => {
    const sem = k.rwsem('mmap_sem', { policy });
    for (const name of ['R1', 'R2']) {
      k.thread(name, function* () {
        yield* down_read(sem); // a page fault looks up its VMA
        yield* up_read(sem);
      }, { forever: true });
    }
    k.thread('W', function* () {
      yield* down_write(sem); // e.g. brk()
      yield* up_write(sem);
    });
  });
}

export const readerTurnsByPolicy = Object.fromEntries(RWSEM_POLICIES.map((p) => [p, readerTurns(p)])) as Record<RwsemPolicy, Scenario>;
