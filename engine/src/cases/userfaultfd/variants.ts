import { act, at, perform, type Op } from '../../core/action.ts';
import { READ } from '../../core/object.ts';
import { mightSleep, pagefault_disable, pagefault_enable } from '../../sync/context.ts';
import { kmap_atomic, kmap_local_page, kunmap_atomic, kunmap_local } from '../../mm/highmem.ts';
import { copy_from_user } from '../../mm/uaccess.ts';
import { PAGE_SIZE } from '../../mm/vma.ts';
import type { McopyOps } from '../../devices/userfaultfd.ts';

/**
 * The code the patch changes: how `mcopy_atomic_pte` maps the new page and copies the source page
 * into it under dst_mm's mmap_lock, and how `__mcopy_atomic`'s fallback maps it to copy outside the
 * lock. Each step carries the line of its variant's listing (listing.ts).
 */

/** `kmap()`: a sleeping, persistent mapping of a page; page faults stay enabled. */
function* kmap(): Op<void> {
  yield* perform(
    act('kmap', null, READ, (t) => {
      mightSleep(t, 'kmap', 'page');
      t.world.note('maps the page (may sleep); page faults stay enabled');
    }),
  );
}

function* kunmap(): Op<void> {
  yield* perform(act('kunmap', null, READ, () => {}));
}

/** The fallback copy after -ENOENT, with no lock held: `map` then copy with page faults enabled. */
function* fallback(map: () => Op<void>, unmap: () => Op<void>, src: number): Op<number> {
  yield* at('fallback_kmap', map());
  const left = yield* at('fallback_copy', copy_from_user(src, PAGE_SIZE));
  yield* at('fallback_kunmap', unmap());
  return left;
}

/**
 * 'kmap_atomic': the code before the patch (v6.1). `kmap_atomic` disables page faults (and
 * preemption) as a side effect, so the copy under the lock fails at once on a missing source page.
 */
export const beforePatch: McopyOps = {
  *copyUnderLock(src) {
    yield* at('kmap', kmap_atomic());
    const left = yield* at('copy', copy_from_user(src, PAGE_SIZE));
    yield* at('kunmap', kunmap_atomic());
    return left;
  },
  copyOutsideLock: (src) => fallback(kmap, kunmap, src),
};

/**
 * 'buggy': a conversion to `kmap_local_page` that drops the implicit `pagefault_disable()`: the
 * hazard the patch's comment warns about, not code that was merged. A missing source page faults
 * in under dst_mm's mmap_lock, taking current->mm's mmap_lock for read.
 */
export const conversionWithoutPagefaultDisable: McopyOps = {
  *copyUnderLock(src) {
    yield* at('kmap', kmap_local_page());
    const left = yield* at('copy', copy_from_user(src, PAGE_SIZE));
    yield* at('kunmap', kunmap_local());
    return left;
  },
  copyOutsideLock: (src) => fallback(kmap_local_page, kunmap_local, src),
};

/** 'fixed': the merged patch. `kmap_local_page`, with page faults disabled explicitly around the copy. */
export const merged: McopyOps = {
  *copyUnderLock(src) {
    yield* at('kmap', kmap_local_page());
    yield* at('pf_disable', pagefault_disable());
    const left = yield* at('copy', copy_from_user(src, PAGE_SIZE));
    yield* at('pf_enable', pagefault_enable());
    yield* at('kunmap', kunmap_local());
    return left;
  },
  copyOutsideLock: (src) => fallback(kmap_local_page, kunmap_local, src),
};

export const OPS: Readonly<Record<string, McopyOps>> = {
  buggy: conversionWithoutPagefaultDisable,
  fixed: merged,
  kmap_atomic: beforePatch,
};
