import type { Op } from '../core/action.ts';
import { down_write, up_write } from '../sync/rwsem.ts';
import { do_mmap, type MmapOptions } from './mmap.ts';
import { currentMm } from './process.ts';
import { do_munmap } from './unmap.ts';
import { PAGE_SIZE, checkRange } from './vma.ts';

/**
 * mmap with MAP_FIXED: maps [addr, addr + len) of the caller's mm, replacing whatever is mapped there,
 * and returns `addr` (or -errno). As in the kernel (vm_mmap_pgoff → do_mmap → mmap_region), the old
 * mappings are unmapped (their pages zapped, their VMAs removed) and the new one made in one critical
 * section, under mmap_lock held for write: no one who takes the lock sees the range empty. The new
 * mapping has no page present until something touches it. do_munmap's limits apply: the range may
 * cover whole VMAs or a VMA's tail.
 */
export function* sys_mmap_fixed(addr: number, len: number, options: MmapOptions = {}): Op<number> {
  const mm = currentMm('sys_mmap_fixed');
  checkRange('sys_mmap_fixed', addr, len, options.pageSize ?? PAGE_SIZE);
  yield* down_write(mm.mmap_lock);
  yield* do_munmap(mm, addr, len);
  const ret = yield* do_mmap(mm, addr, len, options);
  yield* up_write(mm.mmap_lock);
  return ret;
}
