import { lazyListings, listing, type Listing } from '../../core/listing.ts';
import { bindingHoldsUsers, faultTakesUsers, releaseFlushes, type Variant } from './variant.ts';

/**
 * The listings: simplified C in our own words that follows drivers/iommu/intel-svm.c (v4.4) and a
 * device driver of the kind the commit message describes (one whose device file is mmap()ed). The
 * lines a step stands for end in `//@label` markers, which readers do not see. Four functions
 * differ between the variants: intel_svm_bind_mm, intel_mm_release, intel_svm_unbind_mm and
 * prq_event_thread. Our variants take the fixed code and put one part back as it was: the binding's
 * mm_users in bind and unbind (`no-mm-count`), ->release (`no-release-flush`) or the page-request
 * handler (`no-fault-check`).
 */
function source(v: Variant): string {
  const buggy = bindingHoldsUsers(v);
  const bindKeep = !buggy
    ? ''
    : v === 'buggy'
      ? `
		mm = NULL;	/* the binding keeps get_task_mm's mm_users */`
      : `
		/* Our variant: the fix's ->release and page-request handler,
		 * but the binding still keeps get_task_mm's mm_users. */
		mm = NULL;`;
  const release =
    releaseFlushes(v)
      ? `	/* Called from exit_mmap before the page tables go, and the notifier
	 * is unlinked next, so nothing will tell us when they do go: cut
	 * the hardware off from them now, caches included. */
	svm->iommu->pasid_table[svm->pasid].val = 0;			//@rel.clear
	wmb();
	list_for_each_entry_rcu(sdev, &svm->devs, list) {
		intel_flush_pasid_dev(svm, sdev, svm->pasid);		//@rel.flush_pasid
		intel_flush_svm_range_dev(svm, sdev, 0, -1, 0, !svm->mm);	//@rel.flush_iotlb
	}`
      : v === 'buggy'
        ? `	svm->iommu->pasid_table[svm->pasid].val = 0;			//@rel.clear
	/* No flush: this was written expecting to run only after every
	 * device had unbound, since the binding held mm_users. */
	WARN_ON(!list_empty(&svm->devs));				//@rel.warn`
        : `	/* Our variant: mm_count as in the fix, but ->release as before
	 * it (minus its WARN_ON, which would fire on every exit now):
	 * the entry is cleared, the PASID cache and IOTLB are not. */
	svm->iommu->pasid_table[svm->pasid].val = 0;			//@rel.clear`;
  const unbindLast = buggy
    ? `			mmu_notifier_unregister(&svm->notifier, svm->mm);	//@unbind.unreg
			idr_remove(&iommu->pasid_idr, svm->pasid);		//@unbind.idr
			if (svm->mm)
				mmput(svm->mm);		/* the binding's mm_users */	//@unbind.put`
    : `			idr_remove(&iommu->pasid_idr, svm->pasid);		//@unbind.idr
			if (svm->mm)	/* drops mm_count; ->release already ran if the mm died */
				mmu_notifier_unregister(&svm->notifier, svm->mm);	//@unbind.unreg`;
  const prqGet = !faultTakesUsers(v)
    ? v === 'no-fault-check'
      ? `
		/* Our variant: the handler as before the fix, with no
		 * mm_users of its own, although the binding holds none now. */`
      : ''
    : `
		/* A defunct mm (mm_users 0): answer INVALID, touch nothing. */
		if (!atomic_inc_not_zero(&svm->mm->mm_users))			//@prq.get
			goto bad_req;`;
  const prqPut = !faultTakesUsers(v)
    ? ''
    : `
		mmput(svm->mm);		/* may be the last user: exit_mmap */	//@prq.put`;

  return `
/* The process P. Its device file is open before the scenario starts. */
int main(void)
{
	int fd = open("/dev/svm", O_RDWR);
	ioctl(fd, SVM_BIND);						//@P.bind
	mmap(PORTAL, PAGE_SIZE, PROT_WRITE, MAP_SHARED, fd, 0);	//@P.mmap
	ioctl(fd, SVM_START);	/* the devices work on P's buffer */	//@P.start
	exit(0);	/* do_exit: exit_mm (mmput), then exit_files (fput) */	//@P.exit
}

/* The driver's ioctl: bind P's mm to the file's devices; start them. */
static long svm_dev_ioctl(struct file *file, unsigned int cmd)
{
	struct svm_ctx *ctx = file->private_data;

	if (cmd == SVM_BIND) {
		for (i = 0; i < ctx->ndev; i++)
			intel_svm_bind_mm(ctx->dev[i], &pasid, 0, NULL);	//@ioctl.bind
		ctx->pasid = pasid;					//@ioctl.pasid
	} else {
		svm_dev_start(ctx);	/* program ctx->pasid into the devices */	//@ioctl.start
	}
	return 0;
}

int intel_svm_bind_mm(struct device *dev, int *pasid, int flags, struct svm_dev_ops *ops)
{
	struct mm_struct *mm = get_task_mm(current);	/* mm_users++ */	//@bind.get

	mutex_lock(&pasid_mutex);					//@bind.lock
	svm = the svm in iommu->pasid_idr with svm->mm == mm;		//@bind.find
	if (!svm) {
		svm = kzalloc(sizeof(*svm), GFP_KERNEL);
		svm->pasid = idr_alloc(&iommu->pasid_idr, svm, ...);	//@bind.alloc
		svm->mm = mm;
		mmu_notifier_register(&svm->notifier, mm);	/* mm_count++ */	//@bind.register
		iommu->pasid_table[svm->pasid].val = __pa(mm->pgd) | 1;	//@bind.entry${bindKeep}
	}
	list_add_rcu(&sdev->list, &svm->devs);			//@bind.add
	*pasid = svm->pasid;
	mutex_unlock(&pasid_mutex);					//@bind.unlock
	if (mm)
		mmput(mm);						//@bind.put
	return 0;
}

/* The notifier's ->release: exit_mmap calls it when mm_users is 0. */
static void intel_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct intel_svm *svm = container_of(mn, struct intel_svm, notifier);

${release}
}

/* The driver's ->release: the last fput of the device file. */
static int svm_dev_release(struct inode *inode, struct file *file)
{
	struct svm_ctx *ctx = file->private_data;

	svm_dev_stop(ctx);	/* tell the devices to stop */		//@drv.stop
	/* unbind needs every page request answered: wait for idle */
	for (i = 0; i < ctx->ndev; i++)
		wait_event(ctx->dev[i]->wq, ctx->dev[i]->idle);		//@drv.quiesce
	for (i = 0; i < ctx->ndev; i++)
		intel_svm_unbind_mm(ctx->dev[i], ctx->pasid);		//@drv.unbind
	kfree(ctx);							//@drv.free
	return 0;
}

int intel_svm_unbind_mm(struct device *dev, int pasid)
{
	mutex_lock(&pasid_mutex);					//@unbind.lock
	svm = idr_find(&iommu->pasid_idr, pasid);			//@unbind.find
	sdev = the sdev of dev on svm->devs;
	if (--sdev->users == 0) {
		list_del_rcu(&sdev->list);				//@unbind.del
		intel_flush_pasid_dev(svm, sdev, svm->pasid);		//@unbind.flush_pasid
		intel_flush_svm_range_dev(svm, sdev, 0, -1, 0, !svm->mm);	//@unbind.flush_iotlb
		kfree_rcu(sdev, rcu);
		if (list_empty(&svm->devs)) {
${unbindLast}
			kfree(svm);					//@unbind.free
		}
	}
	mutex_unlock(&pasid_mutex);					//@unbind.unlock
	return 0;
}

/* The IOMMU's page-request thread (a threaded interrupt handler). */
static irqreturn_t prq_event_thread(int irq, void *d)
{
	while (head != tail) {		/* a page request is queued */	//@prq.wait
		req = &iommu->prq[head];
		result = QI_RESP_FAILURE;
		svm = idr_find(&iommu->pasid_idr, req->pasid);		//@prq.find
		if (!svm)
			goto no_pasid;
		result = QI_RESP_INVALID;
		if (!svm->mm)
			goto bad_req;${prqGet}
		down_read(&svm->mm->mmap_sem);				//@prq.lock
		vma = find_extend_vma(svm->mm, address);		//@prq.vma
		if (!vma || address < vma->vm_start || access_error(vma, req))
			goto invalid;
		if (handle_mm_fault(svm->mm, vma, address, flags) & VM_FAULT_ERROR)	//@prq.fault
			goto invalid;
		result = QI_RESP_SUCCESS;
	invalid:
		up_read(&svm->mm->mmap_sem);				//@prq.unlock${prqPut}
	bad_req:	/* (the sdev that sent req, looked up on svm->devs) */
	no_pasid:
		qi_submit_sync(page group response: result);		//@prq.respond
		head = next(head);
	}
	return IRQ_HANDLED;	/* (model: stops once every device is idle) */	//@prq.stop
}

/* The device (hardware), in C: its accesses to P's buffer through the PASID. */
void svm_device_dma(struct svm_device *d)
{
	wait until the driver has programmed d->pasid;		//@dma.start
	for (each page p of the buffer) {
		/* ATS: the IOMMU finds the PASID entry (PASID cache, else
		 * the table) and walks the page tables it points at; a page
		 * that is not present, the device asks for (PRI) */
		t = ats_translate(d->pasid, p);			//@dma.translate
		if (t != PAGE_NOT_PRESENT)
			continue;	/* done, PASID not present, or told to stop */
		wait for the page group response;		//@dma.wait
		if (the response == QI_RESP_SUCCESS)		//@dma.response
			ats_translate(d->pasid, p);	/* once more */
	}
	d->idle = true;						//@dma.idle
}

/* fs/file_table.c: a kernel thread's last fput is finished by a worker. */
static void delayed_fput(struct work_struct *unused)
{
	wait until work is queued;				//@kw.wait
	list = llist_del_all(&delayed_fput_list);
	for each file f on list:
		__fput(f);	/* f->f_op->release(...), then free f */	//@kw.run
}
`;
}

export const listings: Readonly<Record<Variant, Listing>> = lazyListings({
  buggy: () => listing(source('buggy')),
  fixed: () => listing(source('fixed')),
  'no-mm-count': () => listing(source('no-mm-count')),
  'no-release-flush': () => listing(source('no-release-flush')),
  'no-fault-check': () => listing(source('no-fault-check')),
});
