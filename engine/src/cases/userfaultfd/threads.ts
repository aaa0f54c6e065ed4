import { at, type Op, type ThreadBody } from '../../core/action.ts';
import { assert } from '../../core/violation.ts';
import type { File } from '../../mm/file.ts';
import { do_mmap } from '../../mm/mmap.ts';
import { mmap_write_lock, mmap_write_unlock } from '../../mm/mmap_lock.ts';
import { currentMm } from '../../mm/process.ts';
import { userfaultfd_ioctl_copy, type McopyOps } from '../../devices/userfaultfd.ts';

/** The two kinds of thread of the case, as the listing's user-space functions. */

/**
 * A handler thread: UFFDIO_COPY on `uffd` of [dst, dst + len) from [src, src + len) of its own
 * process's memory. The copy must come out whole.
 */
export function handler(name: string, uffd: File, dst: number, src: number, len: number, ops: McopyOps): ThreadBody {
  return function* () {
    const copied = yield* at('ioctl', userfaultfd_ioctl_copy(uffd, { dst, src, len }, ops));
    assert(copied === len, `${name}'s UFFDIO_COPY on ${uffd.name} copied ${copied} of ${len} bytes`);
  };
}

/** A thread that maps [addr, addr + len) of its own process: mmap(2), which takes its mmap_lock for write. */
export function mapper(name: string, addr: number, len: number): ThreadBody {
  return function* () {
    const ret = yield* at('mmap', vm_mmap_pgoff(addr, len));
    assert(ret === addr, `${name}'s mmap of ${addr} returned ${ret}`);
  };
}

/** `vm_mmap_pgoff`: mmap(2) with the caller's mmap_lock held for write (killable in the kernel; no signals here). */
function* vm_mmap_pgoff(addr: number, len: number): Op<number> {
  const mm = currentMm('vm_mmap_pgoff');
  yield* at('mmap_write_lock', mmap_write_lock(mm));
  const ret = yield* at('do_mmap', do_mmap(mm, addr, len, {}));
  yield* at('mmap_write_unlock', mmap_write_unlock(mm));
  return ret;
}
