import { lazyListings, listing, type Listing } from '../../core/listing.ts';

/**
 * The cxl case's listings: simplified C in our own words, following the structure of the kernel's
 * functions (Linux v4.17, drivers/misc/cxl/cxllib.c and fault.c, arch/powerpc/mm/copro_fault.c,
 * mm/mmap.c) with the same names and the same order of locking and calls. Each variant's listing is
 * the code its threads run; `//@label` markers tie steps to lines and are not shown.
 */

/** T1's driver: the same in both variants (the accelerator's driver is not part of the patch). */
const driver = `
/* T1: the accelerator's driver, in kernel context. The accelerator raised a
 * translation fault on its buffer: have the host fault the whole buffer in,
 * then restart the accelerator, which touches every page of the buffer. */
void accel_translation_fault(struct accel *acc, struct mm_struct *mm)
{
	int i, tries;

	if (cxllib_handle_fault(mm, acc->addr, acc->size, 0))          //@drv_fault
		goto fail;
	for (i = 0; i < acc->nr_pages; i++) {
		u64 ea = acc->touch[i];

		for (tries = 0; !accel_touch(acc, ea); tries++) {            //@touch
			/* no translation: a new fault, for this page only */
			if (tries == ACCEL_MAX_RETRIES)
				goto fail;
			if (cxllib_handle_fault(mm, ea, CACHE_LINE, 0))      //@drv_retry
				goto fail;
		}
	}
	return;
fail:
	accel_abort(acc);	/* the access ends in an address error */    //@drv_abort
}
`;

/** The cxl wrapper and the coprocessor fault handler: the same in both variants. */
const fault = `
/* drivers/misc/cxl/fault.c (its mm_cpumask update and the hash-MMU
 * preload are left out: they take no sleeping lock) */
int cxl_handle_mm_fault(struct mm_struct *mm, u64 dsisr, u64 dar)
{
	vm_fault_t flt = 0;

	return copro_handle_mm_fault(mm, dar, dsisr, &flt);           //@copro
}

/* arch/powerpc/mm/copro_fault.c: a coprocessor's fault, resolved the way
 * the CPU's own page fault handler would */
int copro_handle_mm_fault(struct mm_struct *mm, unsigned long ea,
			  unsigned long dsisr, vm_fault_t *flt)
{
	struct vm_area_struct *vma;
	int ret = -EFAULT;

	if (mm == NULL || mm->pgd == NULL)
		return -EFAULT;
	down_read(&mm->mmap_sem);		/* R2 */                  //@R2
	vma = find_vma(mm, ea);                                          //@copro_find
	if (!vma || ea < vma->vm_start || !access_allowed(vma, dsisr))
		goto out_unlock;
	*flt = handle_mm_fault(vma, ea, store ? FAULT_FLAG_WRITE : 0);    //@copro_fault
	if (!(*flt & VM_FAULT_ERROR))
		ret = 0;
out_unlock:
	up_read(&mm->mmap_sem);                                          //@copro_up
	return ret;
}
`;

/** T2: brk, the writer in the commit message. */
const brk = `
/* T2: mm/mmap.c. Another thread of the same process grows its heap. */
long sys_brk(unsigned long brk)
{
	down_write(&mm->mmap_sem);		/* W1 */                  //@W1
	if (brk is below the heap, or would run into a mapping)         //@brk
		goto out;
	do_brk(mm->brk, brk - mm->brk);	/* the heap's VMA grows */       //@brk_vma
	mm->brk = brk;
out:
	up_write(&mm->mmap_sem);                                         //@W1_up
	return mm->brk;
}
`;

const buggyCxllib = `
/* drivers/misc/cxl/cxllib.c, v4.13 to v4.17: called by the driver */
int cxllib_handle_fault(struct mm_struct *mm, u64 addr, u64 size, u64 flags)
{
	struct vm_area_struct *vma;
	unsigned long page_size;
	u64 dar;
	int rc = 0;

	if (mm == NULL)
		return -EFAULT;
	down_read(&mm->mmap_sem);		/* R1, held for the whole loop */ //@R1
	vma = find_vma(mm, addr);                                        //@find
	if (!vma) {
		rc = -EFAULT;
		goto out;
	}
	page_size = vma_kernel_pagesize(vma);
	for (dar = addr & ~(page_size - 1); dar < addr + size; dar += page_size) {
		if (dar < vma->vm_start || dar >= vma->vm_end) {
			/* the next VMA, but looked up at addr, not at dar */
			vma = find_vma(mm, addr);                        //@refind
			if (!vma) {
				rc = -EFAULT;
				goto out;
			}
			page_size = vma_kernel_pagesize(vma);
		}
		/* R2 is taken in here, while R1 is still held */
		if (cxl_handle_mm_fault(mm, flags, dar)) {               //@fault
			rc = -EFAULT;
			goto out;
		}
	}
out:
	up_read(&mm->mmap_sem);                                          //@U1
	return rc;
}
`;

const fixedCxllib = `
/* drivers/misc/cxl/cxllib.c, after the fix: look the VMA up under the
 * lock, copy out what the loop needs, and let go of the lock */
static int get_vma_info(struct mm_struct *mm, u64 addr, u64 *vma_start,
			u64 *vma_end, unsigned long *page_size)
{
	struct vm_area_struct *vma;
	int rc = 0;

	down_read(&mm->mmap_sem);		/* R1, only for the lookup */  //@R1
	vma = find_vma(mm, addr);                                        //@find
	if (!vma) {
		rc = -EFAULT;
		goto out;
	}
	*page_size = vma_kernel_pagesize(vma);
	*vma_start = vma->vm_start;
	*vma_end = vma->vm_end;
out:
	up_read(&mm->mmap_sem);                                          //@U1
	return rc;
}

int cxllib_handle_fault(struct mm_struct *mm, u64 addr, u64 size, u64 flags)
{
	u64 dar, vma_start, vma_end;
	unsigned long page_size;

	if (mm == NULL)
		return -EFAULT;
	if (get_vma_info(mm, addr, &vma_start, &vma_end, &page_size))    //@info
		return -EFAULT;
	for (dar = addr & ~(page_size - 1); dar < addr + size; dar += page_size) {
		if (dar < vma_start || dar >= vma_end) {
			/* No lock is held between lookups, so the VMAs may
			 * change under us and a page may be missed: the
			 * device faults on it again and we are called back. */
			if (get_vma_info(mm, dar, &vma_start, &vma_end, &page_size)) //@reinfo
				return -EFAULT;
		}
		/* R2 is taken in here, with nothing held */
		if (cxl_handle_mm_fault(mm, flags, dar))                 //@fault
			return -EFAULT;
	}
	return 0;
}
`;

/** T3 (fixed variant): a writer that replaces part of the buffer's mappings. */
const mmapFixed = `
/* T3: mm/mmap.c. Another thread maps fresh memory over the end of the
 * buffer with mmap(MAP_FIXED): the old VMA and its pages go, and the new
 * VMA comes, in one critical section. */
long sys_mmap(unsigned long addr, unsigned long len)	/* MAP_FIXED */
{
	down_write(&mm->mmap_sem);                                       //@W3
	do_munmap(mm, addr, len);	/* zaps the pages T1 faulted in */  //@unmap
	mmap_region(mm, addr, len);	/* no page present until touched */  //@map
	up_write(&mm->mmap_sem);                                         //@W3_up
	return addr;
}
`;

/**
 * Each variant's listing, as the site shows it (the fixed variant with T3, the buggy one without),
 * and the same code with T3's column added or removed, for the `remap` parameter.
 */
export const cxlListings = lazyListings({
  buggy: () => listing([driver, buggyCxllib, fault, brk].join('')),
  fixed: () => listing([driver, fixedCxllib, fault, brk, mmapFixed].join('')),
  buggyRemap: () => listing([driver, buggyCxllib, fault, brk, mmapFixed].join('')),
  fixedNoRemap: () => listing([driver, fixedCxllib, fault, brk].join('')),
});

/** The listing functions in each thread's column. */
export const T1_CODE_BUGGY = ['accel_translation_fault', 'cxllib_handle_fault', 'cxl_handle_mm_fault', 'copro_handle_mm_fault'];
export const T1_CODE_FIXED = ['accel_translation_fault', 'cxllib_handle_fault', 'get_vma_info', 'cxl_handle_mm_fault', 'copro_handle_mm_fault'];
export const T2_CODE = ['sys_brk'];
export const T3_CODE = ['sys_mmap'];
