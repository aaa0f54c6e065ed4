/**
 * Who gets the lock when a writer releases it. W1 holds the rwsem for write; R1, then W2, then R2
 * queue behind it. We step this exact order by hand (simulate) under each policy and read the
 * rwsem's state after W1's up_write.
 */
import { scenario, simulate, down_read, up_read, down_write, up_write, RWSEM_POLICIES, type RwsemPolicy } from '@interleave/engine';

function queue(policy: RwsemPolicy) {
  return scenario(`release to a mixed queue (${policy})`, (k) => {
    const sem = k.rwsem('sem', { policy });
    k.thread('W1', function* () {
      yield* down_write(sem);
      yield* up_write(sem);
    });
    for (const name of ['R1', 'W2', 'R2']) {
      const write = name.startsWith('W');
      k.thread(name, function* () {
        yield* (write ? down_write(sem) : down_read(sem));
        yield* (write ? up_write(sem) : up_read(sem));
      });
    }
  });
}

export interface GrantResult {
  policy: RwsemPolicy;
  /** The rwsem before W1 releases it, and after. */
  before: string;
  after: string;
  /** What the engine noted in the release step ("granted sem to ..."). */
  note: string;
  holders: string[];
  queued: string[];
}

export function releaseGrants(): GrantResult[] {
  return RWSEM_POLICIES.map((policy) => {
    const sim = simulate(queue(policy));
    for (const t of ['W1', 'R1', 'W2', 'R2']) sim.step(t); // W1 takes it; the other three queue in this order
    const sem = () => sim.snapshot().objects.find((o) => o.name === 'sem')!;
    const before = sem().summary;
    const release = sim.step('W1'); // up_write
    const after = sem();
    return {
      policy,
      before,
      after: after.summary,
      note: release.note ?? '',
      holders: after.readers as string[],
      queued: (after.queue as { thread: string }[]).map((w) => w.thread),
    };
  });
}
