import { at, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, access, type ObjectState } from '../core/object.ts';
import { BUG_ON, Violation } from '../core/violation.ts';
import { assertBuilding } from '../mm/build.ts';
import { EEXIST, EFAULT } from '../mm/errno.ts';
import type { File } from '../mm/file.ts';
import { mmget_not_zero, mmput, type MmStruct } from '../mm/mm_struct.ts';
import { mmap_read_lock, mmap_read_unlock } from '../mm/mmap_lock.ts';
import type { Process } from '../mm/process.ts';
import { PAGE_SIZE, VM_READ, VM_WRITE, find_vma, hex, type VmArea } from '../mm/vma.ts';
import { checkAlive } from '../sync/lock.ts';

/**
 * userfaultfd (fs/userfaultfd.c, mm/userfaultfd.c, Linux v6.1/v6.2): a file through which a process
 * resolves missing pages of a registered range itself. Its UFFDIO_COPY ioctl fills a missing page of
 * `ctx->mm` (the mm that created the userfaultfd) with a copy of a page of the caller's own memory.
 *
 * Modelled: the context (`ctx->mm`, pinned with `mmgrab` when the userfaultfd is made), the ranges
 * registered for missing-page tracking, the file (which can be passed to another process), and the
 * UFFDIO_COPY path: `userfaultfd_copy` pins `ctx->mm` (`mmget_not_zero`), `__mcopy_atomic` takes its
 * mmap_lock for read, looks the range up (`find_dst_vma`), copies page by page with
 * `mcopy_atomic_pte`, and on -ENOENT drops the lock, copies outside it and starts again. How
 * `mcopy_atomic_pte` maps and copies the source page is the subject of the kmap_local_page patch, so
 * the case supplies it (`McopyOps`).
 *
 * Verified in the stored index: `userfaultfd_copy` calls `mcopy_atomic(ctx->mm, ...)` between
 * `mmget_not_zero(ctx->mm)` and `mmput(ctx->mm)` (fs/userfaultfd.c diffs of the v5.7 to v6.4 era);
 * `userfaultfd(2)` sets `ctx->mm = current->mm` and `mmgrab`s it. Simplified: no faulting thread
 * waits on the range (UFFDIO_COPY works on a missing page whether or not a fault is pending, so the
 * wake-up that follows the copy has nobody to wake); `mmap_changing`, the ioctl's own argument copy,
 * hugetlb and shmem ranges, write protection and `cond_resched` are left out; the page table lock
 * of `mfill_atomic_install_pte` is one atomic step.
 *
 * Listing lines: the steps carry the labels `mmget`, `mcopy`, `mmput` (userfaultfd_copy), `dst_lock`,
 * `find_dst_vma`, `mfill`, `enoent_unlock`, `unlock` (__mcopy_atomic) and `install`
 * (mcopy_atomic_pte) of the scenario's listing; a scenario without a listing needs none of them.
 */

/** -ENOENT: `mcopy_atomic_pte` could not copy with page faults disabled; the caller copies outside mmap_lock. */
export const ENOENT = 2;
/** -ESRCH: `ctx->mm` has no users left. */
export const ESRCH = 3;

/** `VM_UFFD_MISSING`: the VMA is registered with a userfaultfd for missing pages. */
export const VM_UFFD_MISSING = 0x200;

/** `struct uffdio_copy`: fill [dst, dst + len) of the userfaultfd's mm from [src, src + len) of the caller's. */
export interface UffdioCopy {
  dst: number;
  src: number;
  len: number;
}

/**
 * A page that `mcopy_atomic_pte` allocated. It belongs to one thread until it is installed, so it is
 * a plain value of that thread, not a shared object: what is shared is the page table it goes into.
 */
export interface UffdPage {
  /** Where it was filled: under dst_mm's mmap_lock, or by the -ENOENT fallback without it; null until filled. */
  filled: 'under the lock' | 'outside the lock' | null;
}

/** The code that differs between versions of `mcopy_atomic_pte` and the fallback of `__mcopy_atomic`. */
export interface McopyOps {
  /** `mcopy_atomic_pte`'s copy of the source page, with dst_mm's mmap_lock held for read; returns the bytes not copied. */
  copyUnderLock(src: number): Op<number>;
  /** `__mcopy_atomic`'s copy after -ENOENT, with no lock held; returns the bytes not copied. */
  copyOutsideLock(src: number): Op<number>;
}

/** A `struct userfaultfd_ctx` and the file that carries it. */
export class UserfaultfdCtx extends KObject {
  /** Its snapshot shows the ranges of the VMAs registered. */
  override statesShown(): readonly KObject[] {
    return this.registered;
  }
  readonly kind = 'userfaultfd_ctx';
  /** `ctx->mm`: the mm of the process that made the userfaultfd; the ctx holds an `mm_count` on it. */
  readonly mm: MmStruct;
  /** The anonymous-inode file ("[userfaultfd]") whose `private_data` is this ctx. */
  readonly file: File;
  /** The VMAs registered for missing pages (UFFDIO_REGISTER). */
  readonly registered: VmArea[] = [];
  /** Processes the file was passed to (the owner's fd table has it too). */
  readonly sentTo: string[] = [];

  constructor(owner: Process, name: string) {
    super(owner.world, `${name}.ctx`);
    this.mm = owner.mm;
    this.mm.mm_count.init(this, 'userfaultfd'); // mmgrab(ctx->mm): the struct stays while the ctx lives
    this.file = owner.open(name);
    this.file.private_data = this;
  }

  snapshot(): ObjectState {
    const ranges = this.registered.map((v) => `[${hex(v.vm_start)}, ${hex(v.vm_end)})`).join(', ') || 'none';
    const sent = this.sentTo.length ? `; passed to ${this.sentTo.join(', ')}` : '';
    return {
      name: this.name,
      kind: this.kind,
      mm: this.mm.name,
      file: this.file.name,
      registered: this.registered.map((v) => v.name),
      sentTo: [...this.sentTo],
      summary: `ctx->mm ${this.mm.name}; registered ${ranges}${sent}`,
    };
  }
}

/** `userfaultfd(2)` by a thread of `owner`, before the scenario's threads run: the fd is `name` in its table. */
export function userfaultfd(owner: Process, name: string): UserfaultfdCtx {
  assertBuilding('userfaultfd');
  return new UserfaultfdCtx(owner, name);
}

/**
 * A private anonymous mapping [start, start + len) of `ctx->mm`, registered with UFFDIO_REGISTER for
 * missing pages (before the threads run). Its pages are not present: the first access would be a
 * userfault, and UFFDIO_COPY fills them.
 */
export function uffdio_register(ctx: UserfaultfdCtx, start: number, len: number): VmArea {
  assertBuilding('uffdio_register');
  const vma = ctx.mm.addVma(start, len, { flags: VM_READ | VM_WRITE | VM_UFFD_MISSING });
  ctx.registered.push(vma);
  return vma;
}

/** Passes the userfaultfd's file to process `to` over a unix socket (SCM_RIGHTS), before the threads run. */
export function sendFd(ctx: UserfaultfdCtx, to: Process): void {
  assertBuilding('sendFd');
  to.install(ctx.file);
  ctx.sentTo.push(to.name);
}

/**
 * `ioctl(fd, UFFDIO_COPY, copy)`: the file's ctx, then `userfaultfd_copy`. Returns the bytes copied
 * (the `copy` field the kernel writes back) or -errno.
 */
export function* userfaultfd_ioctl_copy(file: File, copy: UffdioCopy, ops: McopyOps): Op<number> {
  const ctx = file.private_data;
  if (!(ctx instanceof UserfaultfdCtx)) throw new Error(`UFFDIO_COPY: ${file.name} is not a userfaultfd`);
  if (copy.len <= 0 || copy.len % PAGE_SIZE || copy.dst % PAGE_SIZE || copy.src % PAGE_SIZE) {
    throw new Error(`UFFDIO_COPY: dst, src and len must be page-aligned and len > 0, got ${hex(copy.dst)}, ${hex(copy.src)}, ${copy.len}`);
  }
  return yield* userfaultfd_copy(ctx, copy, ops);
}

/** `userfaultfd_copy`: pins `ctx->mm`'s address space for the copy, which may be another process's mm. */
export function* userfaultfd_copy(ctx: UserfaultfdCtx, copy: UffdioCopy, ops: McopyOps): Op<number> {
  if (!(yield* at('mmget', mmget_not_zero(ctx.mm)))) return -ESRCH;
  const ret = yield* at('mcopy', __mcopy_atomic(ctx.mm, copy.dst, copy.src, copy.len, ops));
  yield* at('mmput', mmput(ctx.mm));
  return ret;
}

/**
 * `__mcopy_atomic` (what `mcopy_atomic` calls): fills [dst_start, dst_start + len) of `dst_mm`, page by
 * page, holding `dst_mm`'s mmap_lock for read. When `mcopy_atomic_pte` returns -ENOENT (its copy
 * needed a page fault), it drops the lock, copies the page with faults allowed, and starts again from
 * `retry`: the next pass finds the page filled and installs it. Returns the bytes copied, or -errno
 * if none were.
 */
export function* __mcopy_atomic(dst_mm: MmStruct, dst_start: number, src_start: number, len: number, ops: McopyOps): Op<number> {
  let src_addr = src_start;
  let dst_addr = dst_start;
  let copied = 0;
  let err = 0;
  const pagep: { page: UffdPage | null } = { page: null };
  retry: for (;;) {
    yield* at('dst_lock', mmap_read_lock(dst_mm));
    err = -ENOENT;
    const dst_vma = yield* at('find_dst_vma', find_dst_vma(dst_mm, dst_start, len));
    if (dst_vma) {
      while (src_addr < src_start + len) {
        err = yield* at('mfill', mcopy_atomic_pte(dst_vma, dst_addr, src_addr, pagep, ops));
        if (err === -ENOENT) {
          yield* at('enoent_unlock', mmap_read_unlock(dst_mm));
          const page = pagep.page;
          BUG_ON(!page, 'mcopy_atomic_pte returned -ENOENT without a page');
          if ((yield* ops.copyOutsideLock(src_addr)) !== 0) {
            err = -EFAULT;
            return copied ? copied : err; // goto out: the lock is already dropped
          }
          page!.filled = 'outside the lock';
          continue retry;
        }
        if (err) break;
        dst_addr += PAGE_SIZE;
        src_addr += PAGE_SIZE;
        copied += PAGE_SIZE;
      }
    }
    yield* at('unlock', mmap_read_unlock(dst_mm));
    return copied ? copied : err;
  }
}

/** `find_dst_vma`: the registered VMA that holds all of [dst_start, dst_start + len), or null. */
export function* find_dst_vma(dst_mm: MmStruct, dst_start: number, len: number): Op<VmArea | null> {
  const vma = yield* find_vma(dst_mm, dst_start);
  // A VMA's bounds and flags are read under mmap_lock, right after the step that found it.
  if (!vma || dst_start < vma.vm_start || dst_start + len > vma.vm_end) return null;
  if (!(vma.vm_flags & VM_UFFD_MISSING)) return null;
  return vma;
}

/**
 * `mcopy_atomic_pte` (reached through `mfill_atomic_pte` for anonymous memory): on the first pass,
 * allocates a page and fills it with `ops.copyUnderLock`; if that copy fails, hands the page to the
 * caller with -ENOENT. On the pass after the caller's fallback copy, takes the page it filled. Then
 * installs the page in `dst_vma`.
 */
export function* mcopy_atomic_pte(dst_vma: VmArea, dst_addr: number, src_addr: number, pagep: { page: UffdPage | null }, ops: McopyOps): Op<number> {
  let page: UffdPage;
  if (!pagep.page) {
    page = { filled: null }; // alloc_page_vma(GFP_HIGHUSER_MOVABLE, dst_vma, dst_addr)
    if ((yield* ops.copyUnderLock(src_addr)) !== 0) {
      pagep.page = page;
      return -ENOENT;
    }
    page.filled = 'under the lock';
  } else {
    page = pagep.page;
    pagep.page = null;
  }
  return yield* at('install', mfill_atomic_install_pte(dst_vma, dst_addr, page));
}

/**
 * `mfill_atomic_install_pte`: under the page table lock, maps `page` at `dst_addr` of `dst_vma`'s mm,
 * unless something is already mapped there (-EEXIST). The caller must hold the mm's mmap_lock.
 */
export function* mfill_atomic_install_pte(dst_vma: VmArea, dst_addr: number, page: UffdPage): Op<number> {
  const mm = dst_vma.vm_mm;
  return yield* perform(
    dynamicAct('mfill_atomic_install_pte', mm.pgd, false, () => [access(dst_vma, READ), ...mm.pgd.writeFootprint(dst_addr, dst_addr + PAGE_SIZE)], (t) => {
      checkAlive(dst_vma, t, 'mfill_atomic_install_pte');
      if (!t.holds(mm.mmap_lock)) {
        throw new Violation('mmap-lock-not-held', `${t.name} called mfill_atomic_install_pte on ${dst_vma.name} without holding ${mm.mmap_lock.name}`);
      }
      BUG_ON(page.filled === null, `${t.name} would install a page of ${mm.name} that was never filled`);
      mm.pgd.walk(t, 'mfill_atomic_install_pte');
      if (mm.pgd.present(dst_addr)) {
        mm.world.note(() => `${hex(dst_addr)} of ${mm.name} is already mapped: -EEXIST`);
        return -EEXIST;
      }
      mm.pgd.populate(dst_addr, PAGE_SIZE);
      mm.world.note(() => `installs the page at ${hex(dst_addr)} of ${mm.name}, filled ${page.filled}`);
      return 0;
    }),
  );
}
