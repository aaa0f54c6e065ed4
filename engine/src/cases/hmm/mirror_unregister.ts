import { act, at, perform, type Op } from '../../core/action.ts';
import { WRITE } from '../../core/object.ts';
import { hmm_put, type HmmMirror } from '../../notifier/hmm.ts';
import { down_write, up_write } from '../../sync/rwsem.ts';
import { out_of_memory, wait_for_memory, type Oom } from './oom_reaper.ts';

/**
 * Thread U of scenario A: another driver takes its mirror off the hmm (`hmm_mirror_unregister`, which
 * holds `mirrors_sem` for write and needs no mmap_sem [V: H2]) while the OOM reaper runs.
 *
 * Derivation (ours; kernel-semantics.md marks it so): the commit message says only that "the trylock
 * on the hmm->mirrors_sem fails"; that a `hmm_mirror_unregister` is the writer in the way is our
 * instantiation. Staged (ours, not kernel code): for the reaper's whole pass to fall inside U's short
 * write-side section, U must be held there. We hold it the way the OOM reaper's existence assumes
 * tasks get stuck: U needs memory while it holds the lock, the OOM killer picks the process that owns
 * the mm and wakes the reaper, and U's allocation gets nowhere until the reaper is done. v5.2's
 * `hmm_mirror_unregister` does not allocate; `stall_for_memory` stands for whatever delays U there
 * (in a real kernel, being preempted is enough). Without it, a reaper that ran before or after U would
 * find mirrors_sem free, and the buggy code would fail differently (its invalidate_range_end sleeps
 * on the mutex after a non-blocking start: the third defect the same patch cured).
 */

/** Staged: U needs memory, the OOM kill picks the mm's owner, and U waits until the reaper is done. */
export function* stall_for_memory(oom: Oom): Op<void> {
  yield* at('U.oom', out_of_memory(oom));
  yield* at('U.wait', wait_for_memory(oom));
}

export function* hmm_mirror_unregister(mirror: HmmMirror, oom: Oom): Op<void> {
  const hmm = mirror.hmm;
  yield* at('U.down_write', down_write(hmm.mirrors_sem));
  yield* at('U.stall', stall_for_memory(oom));
  yield* at('U.list_del', perform(
    act('hmm_mirror_unregister', hmm, WRITE, () => {
      const i = hmm.mirrors.indexOf(mirror);
      if (i < 0) throw new Error(`hmm_mirror_unregister: ${mirror.name} is not registered`);
      hmm.mirrors.splice(i, 1);
      hmm.world.note(() => `takes ${mirror.name} off ${hmm.name}'s mirrors`);
    }, [mirror]),
  ));
  yield* at('U.up_write', up_write(hmm.mirrors_sem));
  yield* at('U.put', hmm_put(hmm));
}
