import { at, type Op } from '../../core/action.ts';
import { __vfio_pci_add_vma, copy_from_user_bar, ioread32, iowrite32, type BarMapping, type VfioPciDevice } from '../../devices/vfio-pci.ts';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from '../../mm/fault.ts';
import { remap_pfn_range } from '../../mm/page_table.ts';
import type { VmFault } from '../../mm/vma.ts';
import { mutex_lock, mutex_unlock } from '../../sync/mutex.ts';
import { down_read, up_read } from '../../sync/rwsem.ts';
import { EFAULT, EIO, memoryEnabled, vfio_pci_mmap_close, seriesConfigWrite, seriesMmap, seriesReset, vdevOf, zapAndDownWrite, type Driver } from './driver.ts';

/**
 * The fix: the document's lock order (mmap_sem → vma_lock → memory_lock), with two changes to the
 * code as merged in abafbc551fdd:
 *
 * - `vfio_pci_bar_rw` takes memory_lock around each single ioread/iowrite, so the copy from or to
 *   the user runs with no memory_lock held: "vfio-pci: Avoid recursive read-lock usage"
 *   (bc93b9ae0151), which fixed the deadlock of scenario 5c.
 * - The fault handler keeps vma_lock until remap_pfn_range is done. As merged, it dropped vma_lock
 *   before remap_pfn_range; the explorer finds that a zap can then run in between, find nothing to
 *   zap, drop the entry, and let memory be disabled while the page-table entries it did not see are
 *   installed (a derivation of ours, see the case's notes). Upstream moved the unlock after the
 *   remap in 2021, in "vfio/pci: Handle concurrent vma faults", for a different reason (two faults
 *   of one VMA).
 */

function* vfio_pci_mmap_fault(vmf: VmFault): Op<number> {
  const vma = vmf.vma;
  const vdev = vdevOf(vma);
  let ret = VM_FAULT_NOPAGE;
  yield* at('f.lock', mutex_lock(vdev.vma_lock));
  yield* at('f.down', down_read(vdev.memory_lock));
  if (!(yield* memoryEnabled(vdev, 'f.enabled'))) {
    ret = VM_FAULT_SIGBUS;
  } else {
    yield* at('f.add', __vfio_pci_add_vma(vdev, vma));
    yield* at('f.remap', remap_pfn_range(vma, vma.vm_start, vma.vm_end - vma.vm_start));
  }
  yield* at('f.up', up_read(vdev.memory_lock));
  yield* at('f.unlock', mutex_unlock(vdev.vma_lock));
  return ret;
}

/** `vfio_pci_iowrite32` with `test_mem` (bc93b9ae): memory_lock for read around the one access. */
function* vfio_pci_iowrite32(vdev: VfioPciDevice, bar: number, value: number): Op<number> {
  yield* at('iow.down', down_read(vdev.memory_lock));
  if (!(yield* memoryEnabled(vdev, 'iow.enabled'))) {
    yield* at('iow.up1', up_read(vdev.memory_lock));
    return -EIO;
  }
  yield* at('iow.write', iowrite32(vdev, bar, value));
  yield* at('iow.up', up_read(vdev.memory_lock));
  return 0;
}

/** `vfio_pci_ioread32` with `test_mem` (bc93b9ae). */
function* vfio_pci_ioread32(vdev: VfioPciDevice, bar: number): Op<number> {
  yield* at('ior.down', down_read(vdev.memory_lock));
  if (!(yield* memoryEnabled(vdev, 'ior.enabled'))) {
    yield* at('ior.up1', up_read(vdev.memory_lock));
    return -EIO;
  }
  yield* at('ior.read', ioread32(vdev, bar));
  yield* at('ior.up', up_read(vdev.memory_lock));
  return 0;
}

/** `vfio_pci_bar_rw` after bc93b9ae: the copy runs with no lock; each access takes memory_lock itself. */
export function* perAccessBarRw(vdev: VfioPciDevice, bar: number, buf: BarMapping | null, iswrite: boolean): Op<number> {
  if (iswrite) {
    if (buf && (yield* at('rw.copy', copy_from_user_bar(buf)))) return -EFAULT;
    const err = yield* at('rw.iowrite', vfio_pci_iowrite32(vdev, bar, 1));
    return err || 4;
  }
  const err = yield* at('rw.ioread', vfio_pci_ioread32(vdev, bar));
  return err || 4;
}

const vmOps = { fault: vfio_pci_mmap_fault, close: vfio_pci_mmap_close };

export const fixed: Driver = {
  mmap: seriesMmap(vmOps),
  vmOps,
  configWrite: seriesConfigWrite(zapAndDownWrite),
  reset: seriesReset(zapAndDownWrite),
  barRw: perAccessBarRw,
};
