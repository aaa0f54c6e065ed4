import { at, type Op } from '../../core/action.ts';
import {
  PCI_COMMAND_MEMORY, __vfio_pci_memory_enabled, pci_try_reset_function, vfio_default_config_write, vfio_set_virt_cmd,
  vma_list_del, vma_list_first, type BarMapping, type VfioPciDevice,
} from '../../devices/vfio-pci.ts';
import { EINVAL } from '../../mm/errno.ts';
import type { File } from '../../mm/file.ts';
import { mmget_not_zero, mmget_still_valid, mmput, type MmStruct } from '../../mm/mm_struct.ts';
import { zap_vma_ptes } from '../../mm/page_table.ts';
import { VM_IO, VM_PFNMAP, VM_SHARED, type VmArea, type VmOperations } from '../../mm/vma.ts';
import { mutex_lock, mutex_unlock } from '../../sync/mutex.ts';
import { down_read, down_write, up_read, up_write } from '../../sync/rwsem.ts';

/**
 * The driver code that differs between the variants: each variant (pre-series, naive-order, v5.8,
 * fixed) is one `Driver`. The user threads (threads.ts) call it through the device file.
 */
export interface Driver {
  /** `vfio_pci_mmap`, the device file's ->mmap. */
  mmap(file: File, vma: VmArea): Op<number>;
  /** `vfio_basic_config_write` for a write of PCI_COMMAND. */
  configWrite(vdev: VfioPciDevice, cmd: number): Op<number>;
  /** The `VFIO_DEVICE_RESET` ioctl. */
  reset(vdev: VfioPciDevice): Op<number>;
  /**
   * `vfio_pci_bar_rw`: 4 bytes to or from BAR `bar`. For a write, `buf` is the user buffer, which lies
   * in a BAR mapping (script 5c); a read copies to the user's stack, which is always present.
   */
  barRw(vdev: VfioPciDevice, bar: number, buf: BarMapping | null, iswrite: boolean): Op<number>;
  /** The VMA's `vm_ops` (null before the series, which had none). */
  vmOps: VmOperations | null;
}

export const EIO = 5;
export const EFAULT = 14;

/** The device a VMA maps (`vma->vm_private_data`). */
export function vdevOf(vma: VmArea): VfioPciDevice {
  return vma.vm_private_data as VfioPciDevice;
}

/**
 * The part of `vfio_pci_mmap` every version shares: a shared mapping only; point the VMA at the
 * device. (The kernel also checks the BAR may be mmapped and keeps its pfn in vm_pgoff.)
 */
export function setUpBarVma(file: File, vma: VmArea): number {
  if (!(vma.vm_flags & VM_SHARED)) return -EINVAL;
  vma.vm_private_data = file.private_data as VfioPciDevice;
  vma.vm_flags |= VM_IO | VM_PFNMAP;
  return 0;
}

// --- Shared by the variants that have the series' state (naive-order, v5.8, fixed) -----------------

/**
 * `vfio_pci_mmap` after 11c4cd07ba11 ("vfio-pci: Fault mmaps to enable vma tracking"): no page is
 * mapped now; the first access faults, and the fault handler maps the BAR and tracks the VMA.
 */
export function seriesMmap(vmOps: VmOperations): (file: File, vma: VmArea) => Op<number> {
  return function* vfio_pci_mmap(file: File, vma: VmArea): Op<number> {
    const err = setUpBarVma(file, vma);
    if (err) return err;
    vma.vm_ops = vmOps;
    return 0;
  };
}

/** `vfio_pci_mmap_close`: the VMA is going away (munmap, exit): stop tracking it. */
export function* vfio_pci_mmap_close(vma: VmArea): Op<void> {
  const vdev = vdevOf(vma);
  yield* at('close.lock', mutex_lock(vdev.vma_lock));
  yield* at('close.del', vma_list_del(vdev, (v) => v === vma, `for ${vma.name}, which is closing`));
  yield* at('close.unlock', mutex_unlock(vdev.vma_lock));
}

/**
 * `vfio_pci_zap_and_vma_lock` (abafbc551fdd), the blocking version: zaps every tracked VMA, each under
 * its mm's mmap_sem taken with vma_lock dropped (mmap_sem ranks above vma_lock), and returns with
 * vma_lock held and vma_list empty.
 */
export function* vfio_pci_zap_and_vma_lock(vdev: VfioPciDevice): Op<void> {
  for (;;) {
    let mm: MmStruct | null = null;
    yield* at('z.lock', mutex_lock(vdev.vma_lock));
    for (;;) {
      const first = yield* at('z.first', vma_list_first(vdev));
      if (!first) break;
      mm = first.vm_mm;
      if (yield* at('z.mmget', mmget_not_zero(mm))) break;
      // The mm is exiting: exit_mmap unmaps the VMA anyway, so the entry only goes.
      yield* at('z.drop', vma_list_del(vdev, (v) => v === first, `of ${first.vm_mm.name}, which is exiting`));
      mm = null;
    }
    if (!mm) return;
    yield* at('z.unlock', mutex_unlock(vdev.vma_lock));
    yield* at('z.mmap', down_read(mm.mmap_sem));
    if (yield* at('z.valid', mmget_still_valid(mm))) {
      yield* at('z.relock', mutex_lock(vdev.vma_lock));
      const target = mm;
      const vmas = yield* at('z.del', vma_list_del(vdev, (v) => v.vm_mm === target, `of ${mm.name}`));
      for (const vma of vmas) yield* at('z.zap', zap_vma_ptes(vma, vma.vm_start, vma.vm_end - vma.vm_start));
      yield* at('z.unlock2', mutex_unlock(vdev.vma_lock));
    }
    yield* at('z.mmunlock', up_read(mm.mmap_sem));
    yield* at('z.mmput', mmput(mm));
  }
}

/** `vfio_pci_zap_and_down_write_memory_lock` as the document and abafbc551fdd have it. */
export function* zapAndDownWrite(vdev: VfioPciDevice): Op<void> {
  yield* at('zd.zap', vfio_pci_zap_and_vma_lock(vdev));
  yield* at('zd.down', down_write(vdev.memory_lock));
  yield* at('zd.unlock', mutex_unlock(vdev.vma_lock));
}

/**
 * `vfio_basic_config_write` for PCI_COMMAND with the series: clearing MEMORY zaps the mappings and
 * takes memory_lock for write; setting it only takes memory_lock for write.
 */
export function seriesConfigWrite(zap: (vdev: VfioPciDevice) => Op<void>): Driver['configWrite'] {
  return function* vfio_basic_config_write(vdev: VfioPciDevice, cmd: number): Op<number> {
    if (!(cmd & PCI_COMMAND_MEMORY)) yield* at('c.zap', zap(vdev));
    else yield* at('c.down', down_write(vdev.memory_lock));
    yield* at('c.hw', vfio_default_config_write(vdev, cmd));
    yield* at('c.virt', vfio_set_virt_cmd(vdev, cmd));
    yield* at('c.up', up_write(vdev.memory_lock));
    return 0;
  };
}

/** The `VFIO_DEVICE_RESET` ioctl with the series: zap, memory_lock for write, reset, release. */
export function seriesReset(zap: (vdev: VfioPciDevice) => Op<void>): Driver['reset'] {
  return function* vfio_pci_ioctl_reset(vdev: VfioPciDevice): Op<number> {
    if (!vdev.reset_works) return -EINVAL;
    yield* at('r.zap', zap(vdev));
    const ret = yield* at('r.reset', pci_try_reset_function(vdev));
    yield* at('r.up', up_write(vdev.memory_lock));
    return ret;
  };
}

/**
 * The memory-enable test of the series, shared by the fault handlers and bar_rw:
 * `__vfio_pci_memory_enabled` under memory_lock held for read.
 */
export function memoryEnabled(vdev: VfioPciDevice, label: string): Op<boolean> {
  return at(label, __vfio_pci_memory_enabled(vdev));
}

