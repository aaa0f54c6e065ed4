import { at, type Op } from '../../core/action.ts';
import { __vfio_pci_add_vma, vma_list_del, vma_list_first, type VfioPciDevice } from '../../devices/vfio-pci.ts';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from '../../mm/fault.ts';
import { mmget_not_zero, mmput } from '../../mm/mm_struct.ts';
import { remap_pfn_range, zap_vma_ptes } from '../../mm/page_table.ts';
import type { VmFault } from '../../mm/vma.ts';
import { mutex_lock, mutex_unlock } from '../../sync/mutex.ts';
import { down_read, down_write, up_read } from '../../sync/rwsem.ts';
import { memoryEnabled, vfio_pci_mmap_close, seriesConfigWrite, seriesMmap, seriesReset, vdevOf, type Driver } from './driver.ts';
import { perAccessBarRw } from './fixed.ts';

/**
 * Not upstream code: the series' state with the obvious order, memory_lock first. This is our
 * illustration of the lock-order problem the document solves (derivation): to zap a mapping the
 * driver needs the mapping's mmap_sem, which it would take while holding memory_lock for write, while
 * the fault handler is entered with mmap_sem held and wants memory_lock for read. Both take mmap_sem
 * for read, so two threads alone do not deadlock: a third thread that queues for mmap_sem for write
 * (mmap, munmap, brk) makes the zapper's down_read wait behind it, as a reader waits behind a queued
 * writer on Linux (phase-fair and fifo alike). Everything else is the fix's code (per-access
 * memory_lock in bar_rw), so the only fault is the order.
 */

function* vfio_pci_mmap_fault(vmf: VmFault): Op<number> {
  const vma = vmf.vma;
  const vdev = vdevOf(vma);
  let ret = VM_FAULT_NOPAGE;
  yield* at('n.f.down', down_read(vdev.memory_lock));
  if (!(yield* memoryEnabled(vdev, 'n.f.enabled'))) {
    ret = VM_FAULT_SIGBUS;
  } else {
    yield* at('n.f.lock', mutex_lock(vdev.vma_lock));
    yield* at('n.f.add', __vfio_pci_add_vma(vdev, vma));
    yield* at('n.f.unlock', mutex_unlock(vdev.vma_lock));
    yield* at('n.f.remap', remap_pfn_range(vma, vma.vm_start, vma.vm_end - vma.vm_start));
  }
  yield* at('n.f.up', up_read(vdev.memory_lock));
  return ret;
}

/** Zaps with memory_lock held for write, taking each mapping's mmap_sem under it. */
function* vfio_pci_zap_and_down_write_memory_lock(vdev: VfioPciDevice): Op<void> {
  yield* at('n.z.down', down_write(vdev.memory_lock));
  yield* at('n.z.lock', mutex_lock(vdev.vma_lock));
  for (;;) {
    const vma = yield* at('n.z.next', vma_list_first(vdev));
    if (!vma) break;
    const mm = vma.vm_mm;
    if (yield* at('n.z.mmget', mmget_not_zero(mm))) {
      yield* at('n.z.mmap', down_read(mm.mmap_sem));
      yield* at('n.z.zap', zap_vma_ptes(vma, vma.vm_start, vma.vm_end - vma.vm_start));
      yield* at('n.z.mmunlock', up_read(mm.mmap_sem));
      yield* at('n.z.mmput', mmput(mm));
    }
    yield* at('n.z.del', vma_list_del(vdev, (v) => v === vma, `for ${vma.name}`));
  }
  yield* at('n.z.unlock', mutex_unlock(vdev.vma_lock));
}

const vmOps = { fault: vfio_pci_mmap_fault, close: vfio_pci_mmap_close };

export const naiveOrder: Driver = {
  mmap: seriesMmap(vmOps),
  vmOps,
  configWrite: seriesConfigWrite(vfio_pci_zap_and_down_write_memory_lock),
  reset: seriesReset(vfio_pci_zap_and_down_write_memory_lock),
  barRw: perAccessBarRw,
};
