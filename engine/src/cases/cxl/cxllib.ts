import { at, type Op } from '../../core/action.ts';
import { cxl_handle_mm_fault, pageDown } from '../../devices/cxl.ts';
import { EFAULT } from '../../mm/errno.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import { find_vma, vma_kernel_pagesize } from '../../mm/vma.ts';
import { down_read, up_read } from '../../sync/rwsem.ts';

/**
 * `cxllib_handle_fault` (drivers/misc/cxl/cxllib.c) before and after "cxl: Fix possible deadlock
 * when processing page faults from cxllib": the subject of the patch. Each line's label is a `//@`
 * marker of the variant's listing (listing.ts).
 */

/**
 * Before the fix (v4.13–v4.17): `mmap_sem` is held for read (R1) across the whole loop, and
 * `cxl_handle_mm_fault` → `copro_handle_mm_fault` takes it for read again (R2) for every page.
 * Kept as it was, second bug included: when `dar` leaves the VMA, the VMA is looked up again at
 * `addr` (the buffer's start), not at `dar`, so the loop goes on with the first VMA's page size.
 */
export function* cxllib_handle_fault_v4_17(mm: MmStruct, addr: number, size: number, flags: number): Op<number> {
  // if (mm == NULL) return -EFAULT: the driver always passes its mm.
  let rc = 0;
  yield* at('R1', down_read(mm.mmap_sem));
  let vma = yield* at('find', find_vma(mm, addr));
  if (vma) {
    // The VMA's fields are read under R1, right after the step that found it.
    let page_size = vma_kernel_pagesize(vma);
    for (let dar = pageDown(addr, page_size); dar < addr + size; dar += page_size) {
      if (dar < vma.vm_start || dar >= vma.vm_end) {
        vma = yield* at('refind', find_vma(mm, addr)); // addr, not dar: the second bug
        if (!vma) {
          rc = -EFAULT;
          break;
        }
        page_size = vma_kernel_pagesize(vma);
      }
      rc = yield* at('fault', cxl_handle_mm_fault(mm, flags, dar));
      if (rc) {
        rc = -EFAULT;
        break;
      }
    }
  } else {
    rc = -EFAULT;
  }
  yield* at('U1', up_read(mm.mmap_sem));
  return rc;
}

/** What `get_vma_info` copies out of the VMA before it drops the lock. */
interface VmaInfo {
  rc: number;
  vma_start: number;
  vma_end: number;
  page_size: number;
}

/** After the fix: find the VMA under `mmap_sem` (R1), copy what the loop needs, and drop the lock. */
function* get_vma_info(mm: MmStruct, addr: number): Op<VmaInfo> {
  const info: VmaInfo = { rc: 0, vma_start: 0, vma_end: 0, page_size: 0 };
  yield* at('R1', down_read(mm.mmap_sem));
  const vma = yield* at('find', find_vma(mm, addr));
  if (!vma) {
    info.rc = -EFAULT;
  } else {
    info.page_size = vma_kernel_pagesize(vma);
    info.vma_start = vma.vm_start;
    info.vma_end = vma.vm_end;
  }
  yield* at('U1', up_read(mm.mmap_sem));
  return info;
}

/**
 * After the fix: no lock is held across the loop, so `copro_handle_mm_fault` takes `mmap_sem` with
 * nothing held. The VMA bounds and page size are copies that may be stale by the time they are used;
 * the fix's comment accepts that a page may be missed, since the device faults on it again.
 */
export function* cxllib_handle_fault(mm: MmStruct, addr: number, size: number, flags: number): Op<number> {
  // if (mm == NULL) return -EFAULT: the driver always passes its mm.
  let info = yield* at('info', get_vma_info(mm, addr));
  if (info.rc) return info.rc;
  for (let dar = pageDown(addr, info.page_size); dar < addr + size; dar += info.page_size) {
    if (dar < info.vma_start || dar >= info.vma_end) {
      info = yield* at('reinfo', get_vma_info(mm, dar));
      if (info.rc) return info.rc;
    }
    const rc = yield* at('fault', cxl_handle_mm_fault(mm, flags, dar));
    if (rc) return -EFAULT;
  }
  return 0;
}
