import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { READ, WRITE, access } from '../core/object.ts';
import { mightSleep } from '../sync/context.ts';
import { checkAlive } from '../sync/lock.ts';
import { fput } from './file.ts';
import type { MmStruct } from './mm_struct.ts';
import { mmu_notifier_invalidate_range_end, mmu_notifier_invalidate_range_start, mmu_notifier_range_init, mmu_notifier_release } from './notifier_calls.ts';
import { free_pgtables } from './page_table.ts';
import { hex, type VmArea } from './vma.ts';

/**
 * Taking mappings down, in the kernel's order (mm/mmap.c): zap the page-table entries between the
 * mmu notifiers' invalidate_range_start and end, free the page tables (at exit), then remove each VMA:
 * its ->close, then the fput of its file, then the VMA itself.
 */

/** Zaps the entries of [start, end) that `vmas` map, telling the mmu notifiers before and after. */
export function* unmap_vmas(mm: MmStruct, vmas: readonly VmArea[], start: number, end: number): Op<void> {
  const range = mmu_notifier_range_init(mm, start, end);
  yield* mmu_notifier_invalidate_range_start(range);
  yield* perform(
    dynamicAct('unmap_vmas', mm.pgd, false, () => [...mm.pgd.writeFootprint(start, end), ...vmas.map((v) => access(v, READ))], (t) => {
      for (const v of vmas) checkAlive(v, t, 'unmap_vmas');
      mm.pgd.walk(t, 'unmap_vmas');
      const n = mm.pgd.zap(start, end);
      mm.world.note(() => `zaps ${n} page${n === 1 ? '' : 's'} of ${mm.name} in [${hex(start)}, ${hex(end)})`);
    }),
  );
  yield* mmu_notifier_invalidate_range_end(range);
}

/** Closes and frees a VMA that is no longer on its mm's list: ->close, then fput of its file, then free. */
export function* remove_vma(vma: VmArea): Op<void> {
  if (vma.vm_ops?.close) yield* vma.vm_ops.close(vma);
  if (vma.vm_file) yield* fput(vma.vm_file, vma);
  yield* perform(
    act('remove_vma', vma, WRITE, (t) => {
      mightSleep(t, 'remove_vma', vma.name);
      checkAlive(vma, t, 'remove_vma');
      vma.refs.drop(vma.vm_mm, t);
      vma.freed = { step: vma.world.stepIndex, thread: t.name };
      vma.world.note(() => `frees ${vma.name}`);
    }),
  );
}

/**
 * Unmaps [start, start + len) with mmap_lock held for write: takes the VMAs in the range off the list
 * (a VMA whose tail is in the range is cut short), zaps their pages, and removes them. Splitting a VMA
 * in two, or cutting its head, is not modelled: such a range is an Error.
 */
export function* do_munmap(mm: MmStruct, start: number, len: number): Op<void> {
  const end = start + len;
  const hit = () => mm.mmap.filter((v) => v.vm_start < end && start < v.vm_end);
  const detached = yield* perform(
    dynamicAct('do_munmap', mm, false, () => [access(mm, WRITE), ...hit().map((v) => access(v, WRITE))], (t) => {
      checkAlive(mm, t, 'do_munmap');
      const vmas = hit();
      for (const v of vmas) {
        if (v.vm_end > end) throw new Error(`do_munmap: unmapping [${hex(start)}, ${hex(end)}) would split ${v.name} or cut its head; this model unmaps whole VMAs or a VMA's tail`);
      }
      const whole = vmas.filter((v) => v.vm_start >= start);
      for (const v of whole) mm.mmap.splice(mm.mmap.indexOf(v), 1);
      const cut = vmas.find((v) => v.vm_start < start);
      if (cut) cut.vm_end = start;
      const parts = [...whole.map((v) => `takes ${v.name} off the list`), ...(cut ? [`cuts ${cut.name} to end at ${hex(start)}`] : [])];
      mm.world.note(() => parts.length ? parts.join('; ') : `nothing is mapped in [${hex(start)}, ${hex(end)})`);
      return { whole, any: vmas.length > 0 };
    }),
  );
  if (!detached.any) return;
  yield* unmap_vmas(mm, detached.whole, start, end);
  for (const v of detached.whole) yield* remove_vma(v);
}

/**
 * Tears down the address space once `mm_users` is 0 (from `__mmput`, in the thread of the last
 * `mmput`): mmu notifier release first, then unmap the VMAs, free the page tables, and remove each
 * VMA (dropping its file). As in v4.x–v5.x it takes no lock: nobody else may touch the mm now.
 */
export function* exit_mmap(mm: MmStruct): Op<void> {
  yield* mmu_notifier_release(mm);
  const vmas = yield* perform(
    act('exit_mmap', mm, READ, (t) => {
      checkAlive(mm, t, 'exit_mmap');
      mm.world.note(() => mm.mmap.length ? `tears down ${mm.mmap.length} VMA${mm.mmap.length === 1 ? '' : 's'} of ${mm.name} without mmap_lock` : `${mm.name} has no VMAs`);
      return [...mm.mmap];
    }),
  );
  if (vmas.length === 0) return;
  yield* unmap_vmas(mm, vmas, vmas[0]!.vm_start, vmas[vmas.length - 1]!.vm_end);
  yield* free_pgtables(mm);
  for (const v of vmas) yield* remove_vma(v);
}
