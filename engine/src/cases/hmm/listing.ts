import { lazyListings, listing, type Listing } from '../../core/listing.ts';

/**
 * The hmm case's listings: simplified C in our own words that follows the kernel's functions (v5.2:
 * mm/hmm.c, mm/oom_kill.c, a nouveau-shaped driver). Only hmm's two callbacks differ between the
 * variants; the rest is the same code around them. `//@label` markers name the lines steps carry.
 */

const HMM_BUGGY = `
/* mm/hmm.c before the fix: hmm->lock, which guards the ranges and
 * the notifiers count, is a mutex */
static int hmm_invalidate_range_start(struct mmu_notifier *mn,
			const struct mmu_notifier_range *nrange)
{
	struct hmm *hmm = container_of(mn, struct hmm, mmu_notifier);
	struct hmm_mirror *mirror;
	struct hmm_update update;
	struct hmm_range *range;
	int ret = 0;

	if (!kref_get_unless_zero(&hmm->kref))                     //@S.kref
		return 0;

	update.start = nrange->start;
	update.end = nrange->end;
	update.blockable = mmu_notifier_range_blockable(nrange);

	if (update.blockable)
		mutex_lock(&hmm->lock);                                //@S.lock
	else if (!mutex_trylock(&hmm->lock)) {                     //@S.trylock
		ret = -EAGAIN;
		goto out;
	}
	hmm->notifiers++;                                          //@S.inc
	list_for_each_entry(range, &hmm->ranges, list)
		if (range_overlaps(range, &update))
			range->valid = false;
	mutex_unlock(&hmm->lock);                                  //@S.unlock

	if (update.blockable)
		down_read(&hmm->mirrors_sem);                          //@S.down_read
	else if (!down_read_trylock(&hmm->mirrors_sem)) {          //@S.trylock_mirrors
		ret = -EAGAIN;
		goto out;          /* hmm->notifiers stays raised */
	}
	list_for_each_entry(mirror, &hmm->mirrors, list) {
		int ret;           /* a second ret, hiding the first */

		ret = mirror->ops->sync_cpu_device_pagetables(mirror, &update); //@S.sync
		if (!update.blockable && ret == -EAGAIN)
			break;     /* the outer ret is still 0 */
	}
	up_read(&hmm->mirrors_sem);                                //@S.up_read

out:
	hmm_put(hmm);                                              //@S.put
	return ret;
}

static void hmm_invalidate_range_end(struct mmu_notifier *mn,
			const struct mmu_notifier_range *nrange)
{
	struct hmm *hmm = container_of(mn, struct hmm, mmu_notifier);
	struct hmm_range *range;

	if (!kref_get_unless_zero(&hmm->kref))                     //@E.kref
		return;

	mutex_lock(&hmm->lock);    /* may sleep */                 //@E.lock
	hmm->notifiers--;                                          //@E.dec
	if (!hmm->notifiers) {
		list_for_each_entry(range, &hmm->ranges, list)
			range->valid = true;
		wake_up_all(&hmm->wq);                                 //@E.wake
	}
	mutex_unlock(&hmm->lock);                                  //@E.unlock

	hmm_put(hmm);                                              //@E.put
}
`;

const HMM_FIXED = `
/* mm/hmm.c after the fix: the lock is a spinlock, hmm->ranges_lock,
 * so an error path can always take it to undo the count */
static void notifiers_decrement(struct hmm *hmm)
{
	unsigned long flags;

	spin_lock_irqsave(&hmm->ranges_lock, flags);               //@N.lock
	hmm->notifiers--;                                          //@N.dec
	if (!hmm->notifiers) {
		struct hmm_range *range;

		list_for_each_entry(range, &hmm->ranges, list)
			range->valid = true;
		wake_up_all(&hmm->wq);                                 //@N.wake
	}
	spin_unlock_irqrestore(&hmm->ranges_lock, flags);          //@N.unlock
}

static int hmm_invalidate_range_start(struct mmu_notifier *mn,
			const struct mmu_notifier_range *nrange)
{
	struct hmm *hmm = container_of(mn, struct hmm, mmu_notifier);
	struct hmm_mirror *mirror;
	struct hmm_update update;
	struct hmm_range *range;
	unsigned long flags;
	int ret = 0;

	if (!kref_get_unless_zero(&hmm->kref))                     //@S.kref
		return 0;

	update.start = nrange->start;
	update.end = nrange->end;
	update.blockable = mmu_notifier_range_blockable(nrange);

	spin_lock_irqsave(&hmm->ranges_lock, flags);               //@S.lock
	hmm->notifiers++;                                          //@S.inc
	list_for_each_entry(range, &hmm->ranges, list)
		if (range_overlaps(range, &update))
			range->valid = false;
	spin_unlock_irqrestore(&hmm->ranges_lock, flags);          //@S.unlock

	if (update.blockable)
		down_read(&hmm->mirrors_sem);                          //@S.down_read
	else if (!down_read_trylock(&hmm->mirrors_sem)) {          //@S.trylock_mirrors
		ret = -EAGAIN;
		goto out;
	}
	list_for_each_entry(mirror, &hmm->mirrors, list) {
		int rc;

		rc = mirror->ops->sync_cpu_device_pagetables(mirror, &update); //@S.sync
		if (rc) {
			if (WARN_ON(update.blockable || rc != -EAGAIN))
				continue;
			ret = -EAGAIN;
			break;
		}
	}
	up_read(&hmm->mirrors_sem);                                //@S.up_read

out:
	if (ret)
		notifiers_decrement(hmm);  /* undo the count */        //@S.decrement
	hmm_put(hmm);                                              //@S.put
	return ret;
}

static void hmm_invalidate_range_end(struct mmu_notifier *mn,
			const struct mmu_notifier_range *nrange)
{
	struct hmm *hmm = container_of(mn, struct hmm, mmu_notifier);

	if (!kref_get_unless_zero(&hmm->kref))                     //@E.kref
		return;

	notifiers_decrement(hmm);                                  //@E.decrement
	hmm_put(hmm);                                              //@E.put
}
`;

/** The same in both variants: the reaper (R), the other driver (U), the driver (D) and its GPU. */
const REAPER_AND_DRIVERS = `
/* R: the OOM reaper (mm/oom_kill.c), here for one victim */
static int oom_reaper(void *unused)
{
	struct task_struct *tsk;

	wait_event_freezable(oom_reaper_wait, oom_reaper_list != NULL); //@R.wait
	tsk = oom_reaper_list;     /* under oom_reaper_lock */     //@R.take
	oom_reaper_list = tsk->oom_reaper_list;
	oom_reap_task(tsk);                                        //@R.reap_task
	return 0;
}

static void oom_reap_task(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->signal->oom_mm;

	/* the kernel makes up to MAX_OOM_REAP_RETRIES (10) attempts */
	oom_reap_task_mm(tsk, mm);                                 //@R.reap
	set_bit(MMF_OOM_SKIP, &mm->flags);                         //@R.skip
}

static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)
{
	bool ret;

	if (!down_read_trylock(&mm->mmap_sem))                     //@R.trylock
		return false;
	ret = __oom_reap_task_mm(mm);                              //@R.reap_mm
	up_read(&mm->mmap_sem);                                    //@R.up_read
	return ret;
}

bool __oom_reap_task_mm(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	bool ret = true;

	for (vma = mm->mmap; vma; vma = vma->vm_next) {            //@R.vma
		struct mmu_notifier_range range;

		if (vma->vm_file && (vma->vm_flags & VM_SHARED))
			continue;  /* only anonymous or private memory */
		mmu_notifier_range_init(&range, mm, vma->vm_start, vma->vm_end);
		if (mmu_notifier_invalidate_range_start_nonblock(&range)) { //@R.start
			ret = false;       /* try later, and call no _end() */
			continue;
		}
		unmap_page_range(vma, range.start, range.end);         //@R.unmap
		mmu_notifier_invalidate_range_end(&range);             //@R.end
	}
	return ret;
}

/* U: another driver takes its mirror off the hmm (mm/hmm.c) */
void hmm_mirror_unregister(struct hmm_mirror *mirror)
{
	struct hmm *hmm = mirror->hmm;

	down_write(&hmm->mirrors_sem);                             //@U.down_write
	stall_for_memory(hmm->mm);     /* staged: see below */     //@U.stall
	list_del_init(&mirror->list);                              //@U.list_del
	up_write(&hmm->mirrors_sem);                               //@U.up_write
	hmm_put(hmm);                                              //@U.put
}

/*
 * Staged, not kernel code: what keeps U inside mirrors_sem while the
 * reaper runs. U needs memory; the OOM killer picks the process that
 * owns mm and wakes the reaper; U's allocation gets nowhere until the
 * reaper is done with mm.
 */
static void stall_for_memory(struct mm_struct *mm)
{
	out_of_memory(mm);       /* wake_oom_reaper(mm's owner) */ //@U.oom
	wait_event(alloc_wait, test_bit(MMF_OOM_SKIP, &mm->flags)); //@U.wait
}

/* D: a driver starts mirroring [start, end) into its GPU */
int gpu_mirror_range(struct gpu *gpu, struct hmm_range *range,
			unsigned long start, unsigned long end)
{
	int ret;

	ret = hmm_range_register(range, &gpu->mirror, start, end, PAGE_SHIFT); //@drv.register
	if (ret)
		return ret;
	/* times out, and the driver waits again: for ever, if the
	 * range never becomes valid */
	hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT); //@drv.wait
	/* then: snapshot the CPU page table under mmap_sem, and under
	 * gpu->mutex check hmm_range_valid() and program the GPU */
	return 0;
}
`;

const GPU_SYNC = `
/* The GPU's mirror callback, in nouveau's shape: clearing its page
 * table needs gpu->mutex, a sleeping lock */
static int gpu_sync_cpu_device_pagetables(struct hmm_mirror *mirror,
			const struct hmm_update *update)
{
	struct gpu *gpu = container_of(mirror, struct gpu, mirror);

	if (!update->blockable)
		return -EAGAIN;                                        //@gpu.nonblock
	mutex_lock(&gpu->mutex);                                   //@gpu.lock
	gpu_pt_clear(gpu, update->start, update->end);             //@gpu.clear
	mutex_unlock(&gpu->mutex);                                 //@gpu.unlock
	return 0;
}
`;

const GPU_READ = `
/* D, in scenarios B and D: the GPU reads addr through its own page table */
static bool gpu_read(struct gpu *gpu, unsigned long addr)
{
	/* the walk of the GPU page table and the load: one access */
	if (!gpu_walk_and_load(gpu, addr))                         //@gpu.access
		return false;      /* a device fault: mirror it again */
	return true;
}
`;

const AROUND = `${REAPER_AND_DRIVERS}${GPU_SYNC}${GPU_READ}`;

/** Scenario D: page reclaim unmaps the page, with no mmap_sem (mm/rmap.c). */
const RECLAIM = `
/* K: reclaim unmaps one page of the range (mm/rmap.c), holding no
 * mmap_sem: the rmap walk finds the page's mappings */
static bool try_to_unmap_one(struct page *page, struct vm_area_struct *vma,
			unsigned long address)
{
	struct mmu_notifier_range range;

	mmu_notifier_range_init(&range, vma->vm_mm, address, address + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);  /* blockable */ //@K.start
	ptep_clear_flush(vma, address, pte);  /* the CPU maps it no more */ //@K.clear
	mmu_notifier_invalidate_range_end(&range);                 //@K.end
	return true;       /* the page can be freed now */
}
`;

/** Scenario D, v5.2 to v5.4: the driver's loop of Documentation/vm/hmm.rst, checking range->valid. */
const DRIVER_VALID = `
/* D: the driver's loop (the pattern of Documentation/vm/hmm.rst,
 * v5.2), then the GPU uses the page */
int gpu_populate_range(struct gpu *gpu, struct hmm_range *range,
			unsigned long start, unsigned long end)
{
	struct mm_struct *mm = gpu->mirror.hmm->mm;
	long ret;

	hmm_range_register(range, &gpu->mirror, start, end, PAGE_SHIFT); //@drv.register
	hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT); //@drv.wait
again:
	down_read(&mm->mmap_sem);                                  //@drv.mmap_sem
	ret = hmm_range_snapshot(range);  /* fills range->pfns */  //@drv.snapshot
	if (ret == -EAGAIN) {
		up_read(&mm->mmap_sem);                                //@drv.retry_snapshot
		hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT); //@drv.rewait
		goto again;
	}
	mutex_lock(&gpu->mutex);                                   //@drv.lock
	/* range->valid is a flag: false during an invalidation, and
	 * true again once it has ended */
	if (!hmm_range_valid(range)) {                             //@drv.valid
		mutex_unlock(&gpu->mutex);                             //@drv.retry_unlock
		up_read(&mm->mmap_sem);                                //@drv.retry_up
		goto again;
	}
	gpu_pt_map(gpu, range->pfns);                              //@drv.map
	hmm_range_unregister(range);                               //@drv.unregister
	mutex_unlock(&gpu->mutex);                                 //@drv.unlock
	up_read(&mm->mmap_sem);                                    //@drv.up
	return 0;
}
`;

/** Scenario D from v5.5: an interval notifier and its sequence count. */
const INTERVAL_SEQ = `
/* From v5.5 (mm/mmu_notifier.c, simplified): the mm's invalidate_seq
 * is odd while an invalidation runs; each interval notifier gets the
 * odd value of the invalidation that touches it, from its driver */
unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *sub)
{
	unsigned long seq;

	/* under the subscriptions' spinlock: */
	seq = sub->invalidate_seq;
	if (seq == subscriptions->invalidate_seq)  /* it is being invalidated */
		wait_event(subscriptions->wq,
			   subscriptions->invalidate_seq != seq);
	return seq;
}

/* D: the driver's loop (the pattern of Documentation/vm/hmm.rst,
 * v5.5), then the GPU uses the page */
int gpu_populate_range(struct gpu *gpu, struct hmm_range *range)
{
	struct mm_struct *mm = gpu->notifier.mm;
	long ret;

again:
	range->notifier_seq = mmu_interval_read_begin(&gpu->notifier); //@seq.begin
	down_read(&mm->mmap_sem);                                  //@seq.mmap_sem
	/* fills range->pfns; -EBUSY if the seq has moved */
	ret = hmm_range_fault(range, HMM_RANGE_SNAPSHOT);          //@seq.fault
	up_read(&mm->mmap_sem);                                    //@seq.up
	if (ret == -EBUSY)
		goto again;
	mutex_lock(&gpu->mutex);                                   //@seq.lock
	/* a count, not a flag: any invalidation since read_begin
	 * has changed it, even one that has already ended */
	if (mmu_interval_read_retry(&gpu->notifier, range->notifier_seq)) { //@seq.retry
		mutex_unlock(&gpu->mutex);                             //@seq.retry_unlock
		goto again;
	}
	gpu_pt_map(gpu, range->pfns);                              //@seq.map
	mutex_unlock(&gpu->mutex);                                 //@seq.unlock
	return 0;
}

/* The GPU's ->invalidate: under the same mutex as the check above,
 * record the invalidation's seq, then clear the GPU's entries */
static bool gpu_invalidate(struct mmu_interval_notifier *sub,
			const struct mmu_notifier_range *range,
			unsigned long cur_seq)
{
	struct gpu *gpu = container_of(sub, struct gpu, notifier);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&gpu->mutex);                               //@inv.lock
	else if (!mutex_trylock(&gpu->mutex))                      //@inv.trylock
		return false;
	mmu_interval_set_seq(sub, cur_seq);                        //@inv.set_seq
	gpu_pt_clear(gpu, range->start, range->end);               //@inv.clear
	mutex_unlock(&gpu->mutex);                                 //@inv.unlock
	return true;
}
`;

const listingText = {
  buggy: `${HMM_BUGGY}${AROUND}`,
  fixed: `${HMM_FIXED}${AROUND}`,
  'valid-window': `${HMM_FIXED}${DRIVER_VALID}${GPU_SYNC}${GPU_READ}${RECLAIM}`,
  'seq-retry': `${INTERVAL_SEQ}${GPU_READ}${RECLAIM}`,
} as const;

export const listings: Readonly<Record<keyof typeof listingText, Listing>> = lazyListings({
  buggy: () => listing(listingText.buggy),
  fixed: () => listing(listingText.fixed),
  'valid-window': () => listing(listingText['valid-window']),
  'seq-retry': () => listing(listingText['seq-retry']),
});
