import { at, type Op } from '../../core/action.ts';
import { copy_from_user_bar, ioread32, iowrite32, pci_try_reset_function, vfio_default_config_write, vfio_set_virt_cmd, type BarMapping, type VfioPciDevice } from '../../devices/vfio-pci.ts';
import type { File } from '../../mm/file.ts';
import { remap_pfn_range } from '../../mm/page_table.ts';
import type { VmArea } from '../../mm/vma.ts';
import { EFAULT, setUpBarVma, type Driver } from './driver.ts';

/**
 * vfio-pci before the series (v5.7): the BAR is mapped when it is mmapped and stays mapped whatever
 * the command register says; a PCI_COMMAND write goes to the device and touches no mapping; read and
 * write of a BAR do not look at the memory enable bit. No memory_lock, vma_lock or vma_list exist.
 */

function* vfio_pci_mmap(file: File, vma: VmArea): Op<number> {
  const err = setUpBarVma(file, vma);
  if (err) return err;
  yield* at('b.remap', remap_pfn_range(vma, vma.vm_start, vma.vm_end - vma.vm_start));
  return 0;
}

function* vfio_basic_config_write(vdev: VfioPciDevice, cmd: number): Op<number> {
  yield* at('b.hw', vfio_default_config_write(vdev, cmd));
  yield* at('b.virt', vfio_set_virt_cmd(vdev, cmd));
  return 0;
}

function* vfio_pci_ioctl_reset(vdev: VfioPciDevice): Op<number> {
  return yield* at('b.reset', pci_try_reset_function(vdev));
}

function* vfio_pci_bar_rw(vdev: VfioPciDevice, bar: number, buf: BarMapping | null, iswrite: boolean): Op<number> {
  if (iswrite) {
    if (buf && (yield* at('b.copy', copy_from_user_bar(buf)))) return -EFAULT;
    yield* at('b.iowrite', iowrite32(vdev, bar, 1));
  } else {
    yield* at('b.ioread', ioread32(vdev, bar));
  }
  return 4;
}

export const preSeries: Driver = { vmOps: null, mmap: vfio_pci_mmap, configWrite: vfio_basic_config_write, reset: vfio_pci_ioctl_reset, barRw: vfio_pci_bar_rw };
