/**
 * The recursive read from the README: T1 takes an rwsem for read twice; T2 wants it for write.
 * Built once per policy, so a page can show what each policy changes.
 */
import { scenario, down_read, up_read, down_write, up_write, RWSEM_POLICIES, type RwsemPolicy, type Scenario } from '@interleave/engine';

function recursiveRead(policy: RwsemPolicy): Scenario {
  return scenario(`recursive read (${policy})`, (k) => {
    const sem = k.rwsem('mmap_sem', { policy });
    k.thread('T1', function* () {
      yield* down_read(sem); // R1
      yield* down_read(sem); // R2: the same thread, again
      yield* up_read(sem);
      yield* up_read(sem);
    });
    k.thread('T2', function* () {
      yield* down_write(sem); // W1, e.g. brk()
      yield* up_write(sem);
    });
  });
}

export const recursiveReads = Object.fromEntries(RWSEM_POLICIES.map((p) => [p, recursiveRead(p)])) as Record<RwsemPolicy, Scenario>;
