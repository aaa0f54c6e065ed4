import { at, type Op } from '../../core/action.ts';
import { __vfio_pci_add_vma, copy_from_user_bar, ioread32, iowrite32, type BarMapping, type VfioPciDevice } from '../../devices/vfio-pci.ts';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from '../../mm/fault.ts';
import { remap_pfn_range } from '../../mm/page_table.ts';
import type { VmFault } from '../../mm/vma.ts';
import { mutex_lock, mutex_unlock } from '../../sync/mutex.ts';
import { down_read, up_read } from '../../sync/rwsem.ts';
import { EFAULT, EIO, memoryEnabled, vfio_pci_mmap_close, seriesConfigWrite, seriesMmap, seriesReset, vdevOf, zapAndDownWrite, type Driver } from './driver.ts';

/**
 * vfio-pci as merged in abafbc551fdd ("vfio-pci: Invalidate mmaps and block MMIO access on disabled
 * memory", v5.8), in the document's lock order. Two things differ from the fix:
 *
 * - `vfio_pci_bar_rw` holds memory_lock for read across the whole access, copy_from_user
 *   included. When the user buffer lies in a mapping of the device's own BAR that is not faulted in,
 *   the copy faults into vfio_pci_mmap_fault, which takes vma_lock and memory_lock again: the
 *   deadlock of scenario 5c, fixed by bc93b9ae0151 "vfio-pci: Avoid recursive read-lock usage".
 * - The fault handler drops vma_lock before remap_pfn_range (as the code at abafbc551fdd does).
 */

function* vfio_pci_mmap_fault(vmf: VmFault): Op<number> {
  const vma = vmf.vma;
  const vdev = vdevOf(vma);
  let ret = VM_FAULT_NOPAGE;
  yield* at('f.lock', mutex_lock(vdev.vma_lock));
  yield* at('f.down', down_read(vdev.memory_lock));
  if (!(yield* memoryEnabled(vdev, 'f.enabled'))) {
    ret = VM_FAULT_SIGBUS;
    yield* at('f.unlock1', mutex_unlock(vdev.vma_lock));
  } else {
    yield* at('f.add', __vfio_pci_add_vma(vdev, vma));
    yield* at('f.unlock2', mutex_unlock(vdev.vma_lock));
    yield* at('f.remap', remap_pfn_range(vma, vma.vm_start, vma.vm_end - vma.vm_start));
  }
  yield* at('f.up', up_read(vdev.memory_lock));
  return ret;
}

/** `vfio_pci_bar_rw` at abafbc551fdd: memory_lock for read from the test to the end, across the copy. */
function* vfio_pci_bar_rw(vdev: VfioPciDevice, bar: number, buf: BarMapping | null, iswrite: boolean): Op<number> {
  yield* at('rw.down', down_read(vdev.memory_lock));
  if (!(yield* memoryEnabled(vdev, 'rw.enabled'))) {
    yield* at('rw.up1', up_read(vdev.memory_lock));
    return -EIO;
  }
  let done = 4;
  if (iswrite) {
    if (buf && (yield* at('rw.copy', copy_from_user_bar(buf)))) done = -EFAULT;
    else yield* at('rw.iowrite', iowrite32(vdev, bar, 1));
  } else {
    yield* at('rw.ioread', ioread32(vdev, bar));
  }
  yield* at('rw.up', up_read(vdev.memory_lock));
  return done;
}

const vmOps = { fault: vfio_pci_mmap_fault, close: vfio_pci_mmap_close };

export const v58: Driver = {
  mmap: seriesMmap(vmOps),
  vmOps,
  configWrite: seriesConfigWrite(zapAndDownWrite),
  reset: seriesReset(zapAndDownWrite),
  barRw: vfio_pci_bar_rw,
};
