import { lazyListings, listing, type Listing } from '../../core/listing.ts';

/**
 * The listings of the userfaultfd case: simplified C in our own words that follows the structure of
 * fs/userfaultfd.c, mm/userfaultfd.c and mm/util.c in Linux v6.1/v6.2 (function names, the order of
 * locking and of the calls that matter). Lines ending in `//@label` are the lines steps carry.
 * The three variants differ only in how mcopy_atomic_pte() maps and copies the source page, and in
 * how __mcopy_atomic()'s fallback maps the page.
 */

const userSpace = `
/*
 * User space. Each process has a handler thread, which serves a userfaultfd
 * with UFFDIO_COPY from a buffer of its own process that is not resident
 * yet, and a thread that calls mmap(). In the two-process form each handler
 * serves the OTHER process's userfaultfd, passed to it over a unix socket.
 */
void handler(int uffd, unsigned long dst, unsigned long src, unsigned long len)
{
	struct uffdio_copy copy = { .dst = dst, .src = src, .len = len };

	ioctl(uffd, UFFDIO_COPY, &copy);                                  //@ioctl
}

void mapper(unsigned long addr, unsigned long len)
{
	mmap((void *)addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);   //@mmap
}

/* mm/util.c: what mmap(2) comes to. It changes the caller's own mm. */
unsigned long vm_mmap_pgoff(struct file *file, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flag, unsigned long pgoff)
{
	struct mm_struct *mm = current->mm;
	unsigned long ret;

	if (mmap_write_lock_killable(mm))                                 //@mmap_write_lock
		return -EINTR;
	ret = do_mmap(file, addr, len, prot, flag, pgoff);                //@do_mmap
	mmap_write_unlock(mm);                                            //@mmap_write_unlock
	return ret;
}

/*
 * fs/userfaultfd.c: the UFFDIO_COPY ioctl. ctx->mm is the mm of the process
 * that made the userfaultfd; whoever holds the fd may call this, from any mm.
 */
static int userfaultfd_copy(struct userfaultfd_ctx *ctx, struct uffdio_copy *copy)
{
	ssize_t ret;

	if (mmget_not_zero(ctx->mm)) {                                    //@mmget
		ret = mcopy_atomic(ctx->mm, copy->dst, copy->src, copy->len);   //@mcopy
		mmput(ctx->mm);                                               //@mmput
	} else {
		return -ESRCH;
	}
	copy->copy = ret;	/* bytes copied, or -errno */
	/* (then wake any thread that faulted on the range: none here) */
	return ret == copy->len ? 0 : -EAGAIN;
}
`;

/** `__mcopy_atomic`, with the fallback's mapping calls (`kmap`/`kunmap` before the patch). */
const mcopyAtomic = (map: string, unmap: string) => `
/* mm/userfaultfd.c: mcopy_atomic() calls this. */
static ssize_t __mcopy_atomic(struct mm_struct *dst_mm, unsigned long dst_start, unsigned long src_start, unsigned long len)
{
	unsigned long src_addr = src_start, dst_addr = dst_start;
	struct vm_area_struct *dst_vma;
	struct page *page = NULL;
	ssize_t err, copied = 0;
	void *page_kaddr;

retry:
	mmap_read_lock(dst_mm);                                           //@dst_lock
	err = -ENOENT;
	dst_vma = find_dst_vma(dst_mm, dst_start, len);                   //@find_dst_vma
	if (!dst_vma)
		goto out_unlock;

	while (src_addr < src_start + len) {
		/* mfill_atomic_pte() picks mcopy_atomic_pte() for anonymous memory */
		err = mcopy_atomic_pte(dst_mm, dst_vma, dst_addr, src_addr, &page);   //@mfill
		if (unlikely(err == -ENOENT)) {
			/*
			 * The source page was not there. Drop dst_mm's lock,
			 * copy with page faults allowed, and go round again:
			 * the next pass finds the page filled and installs it.
			 */
			mmap_read_unlock(dst_mm);                             //@enoent_unlock
			BUG_ON(!page);
			page_kaddr = ${map};                                  //@fallback_kmap
			err = copy_from_user(page_kaddr, (const void __user *)src_addr, PAGE_SIZE);   //@fallback_copy
			${unmap};                                              //@fallback_kunmap
			if (unlikely(err)) {
				err = -EFAULT;
				goto out;
			}
			flush_dcache_page(page);
			goto retry;
		}
		if (err)
			break;
		dst_addr += PAGE_SIZE;
		src_addr += PAGE_SIZE;
		copied += PAGE_SIZE;
	}
out_unlock:
	mmap_read_unlock(dst_mm);                                         //@unlock
out:
	if (page)
		put_page(page);
	return copied ? copied : err;
}
`;

/** `mcopy_atomic_pte`, with the variant's mapping and copy of the source page. */
const mcopyAtomicPte = (copy: string) => `
static int mcopy_atomic_pte(struct mm_struct *dst_mm, struct vm_area_struct *dst_vma, unsigned long dst_addr, unsigned long src_addr, struct page **pagep)
{
	struct page *page;
	void *page_kaddr;
	int ret;

	if (!*pagep) {
		page = alloc_page_vma(GFP_HIGHUSER_MOVABLE, dst_vma, dst_addr);
${copy}
		if (unlikely(ret)) {
			/* not copied: the caller copies it outside mmap_lock */
			*pagep = page;
			return -ENOENT;
		}
		flush_dcache_page(page);
	} else {
		/* the caller filled it, outside mmap_lock */
		page = *pagep;
		*pagep = NULL;
	}
	ret = mfill_atomic_install_pte(dst_mm, dst_vma, dst_addr, page);  //@install
	if (ret)
		put_page(page);
	return ret;
}
`;

const copyBeforePatch = `
		/*
		 * dst_mm's mmap_lock is held for read. kmap_atomic() disables
		 * preemption and, with it, page faults: a missing source page
		 * makes the copy fail at once instead of faulting.
		 */
		page_kaddr = kmap_atomic(page);                               //@kmap
		ret = copy_from_user(page_kaddr, (const void __user *)src_addr, PAGE_SIZE);   //@copy
		kunmap_atomic(page_kaddr);                                    //@kunmap`;

const copyWithoutPagefaultDisable = `
		/*
		 * NOT THE MERGED CODE: a conversion that forgets what
		 * kmap_atomic() did implicitly. kmap_local_page() leaves page
		 * faults enabled, so a missing source page faults in here, and
		 * the fault takes current->mm's mmap_lock for read while
		 * dst_mm's is held.
		 */
		page_kaddr = kmap_local_page(page);                           //@kmap
		ret = copy_from_user(page_kaddr, (const void __user *)src_addr, PAGE_SIZE);   //@copy
		kunmap_local(page_kaddr);                                     //@kunmap`;

const copyMerged = `
		page_kaddr = kmap_local_page(page);                           //@kmap
		/*
		 * dst_mm's mmap_lock is held for read. A fault here would take
		 * current->mm's mmap_lock for read as well, and a reader waits
		 * behind a queued writer (another thread's mmap()): with two
		 * processes doing this to each other, nobody moves. With page
		 * faults disabled the copy fails instead, and our caller copies
		 * the page again without the lock.
		 */
		pagefault_disable();                                          //@pf_disable
		ret = copy_from_user(page_kaddr, (const void __user *)src_addr, PAGE_SIZE);   //@copy
		pagefault_enable();                                           //@pf_enable
		kunmap_local(page_kaddr);                                     //@kunmap`;

const strip = (s: string) => s.replace(/^\n/, '').replace(/\s+$/, '');

function build(copy: string, map: string, unmap: string): Listing {
  return listing([userSpace, mcopyAtomic(map, unmap), mcopyAtomicPte(strip(copy))].map(strip).join('\n\n'));
}

export const listings: Readonly<Record<string, Listing>> = lazyListings({
  buggy: () => build(copyWithoutPagefaultDisable, 'kmap_local_page(page)', 'kunmap_local(page_kaddr)'),
  fixed: () => build(copyMerged, 'kmap_local_page(page)', 'kunmap_local(page_kaddr)'),
  kmap_atomic: () => build(copyBeforePatch, 'kmap(page)', 'kunmap(page)'),
});

/** The listing functions shown in each thread's column. */
export const HANDLER_CODE = ['handler', 'userfaultfd_copy', '__mcopy_atomic', 'mcopy_atomic_pte'];
export const MAPPER_CODE = ['mapper', 'vm_mmap_pgoff'];
