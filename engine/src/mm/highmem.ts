import { act, perform, type Op } from '../core/action.ts';
import { READ } from '../core/object.ts';
import { Violation } from '../core/violation.ts';

/**
 * Mapping a page for the kernel to touch. `kmap_atomic` disables preemption and page faults
 * (implicitly: a user copy inside it fails fast instead of faulting); `kmap_local_page` disables
 * neither, which is what the userfaultfd conversion missed.
 */

/** Maps a page for a short atomic section: preemption and page faults are disabled until kunmap_atomic. */
export function* kmap_atomic(): Op<void> {
  yield* perform(
    act('kmap_atomic', null, READ, (t) => {
      t.preemptCount++;
      t.pagefaultsDisabled++;
      t.world.note('maps the page; preemption and page faults are disabled');
    }),
  );
}

/** Ends a kmap_atomic section: page faults and preemption are enabled again. */
export function* kunmap_atomic(): Op<void> {
  yield* perform(
    act('kunmap_atomic', null, READ, (t) => {
      if (t.preemptCount === 0 || t.pagefaultsDisabled === 0) throw new Violation('unbalanced', `${t.name} called kunmap_atomic without a matching kmap_atomic`);
      t.pagefaultsDisabled--;
      t.preemptCount--;
    }),
  );
}

/** Maps a page for a local section (v5.11+): page faults and preemption stay as they were. */
export function* kmap_local_page(): Op<void> {
  yield* perform(act('kmap_local_page', null, READ, (t) => t.world.note('maps the page; preemption and page faults stay enabled')));
}

/** Ends a kmap_local_page section. */
export function* kunmap_local(): Op<void> {
  yield* perform(act('kunmap_local', null, READ, () => {}));
}
