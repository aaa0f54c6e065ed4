import { lazyListings, listing, type Listing } from '../../core/listing.ts';

/**
 * The listings of the vfio-pci case: simplified C in our own words that follows the structure of
 * drivers/vfio/pci/vfio_pci.c, vfio_pci_config.c and vfio_pci_rdwr.c (function names, the order of
 * the locks and of the calls that matter). Each variant's listing is its driver code followed by the
 * user-space threads, which are the same for every variant. `//@label` markers tie the model's steps
 * to lines; they are stripped from what readers see.
 */

const USER = `
/* ==== User space: the threads of a VMM (QEMU, say) ==== */
/* An offset in the device file selects a region: a BAR, or config space. */

/* Script 5a, T1: map BAR0 and read it. */
void vcpu_5a(int fd)
{
	u32 *bar0 = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, BAR0_OFFSET);   //@a.mmap
	for (i = 0; i < accesses; i++)
		val = bar0[0];          /* not mapped yet: a page fault, mmap_sem for read */    //@a.load
}

/* Script 5b, T1: read BAR0 through the mapping and through the file, while T2 turns
 * memory off and on again. */
void vcpu_5b(int fd)
{
	u32 *bar0 = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, BAR0_OFFSET);   //@b5.mmap
	val = bar0[0];                                       //@b5.load
	for (i = 0; i < accesses; i++) {
		pread(fd, &val, 4, BAR0_OFFSET);                 //@b5.pread
		val = bar0[0];                                   //@b5.again
	}
}

/* Script 5c, T1: write BAR1 from a buffer that is the mapping of BAR0, not yet faulted in. */
void vcpu_5c(int fd)
{
	u32 *bar0 = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, BAR0_OFFSET);   //@c5.mmap
	pwrite(fd, bar0, 4, BAR1_OFFSET);                    //@c5.pwrite
}

/* Script writer, T1. Before it runs, BAR0 and BAR2 were mapped, and BAR0 was read:
 * BAR0's VMA is on vma_list. Now T1 reads BAR2 for the first time. */
void vcpu_writer(u32 *bar0, u32 *bar2)
{
	val = bar2[0];          /* a page fault: mmap_sem for read, then the driver */   //@w.load2
}

/* T2 (5a, 5c, writer): turn the device's memory decode off. */
void config_off(int fd)
{
	u16 cmd = PCI_COMMAND_IO;                            /* MEMORY clear */
	pwrite(fd, &cmd, 2, CONFIG_OFFSET + PCI_COMMAND);    //@off.write
}

/* T2 (5b): off, then on again. */
void config_off_on(int fd)
{
	u16 cmd = PCI_COMMAND_IO;
	pwrite(fd, &cmd, 2, CONFIG_OFFSET + PCI_COMMAND);    //@onoff.off
	cmd |= PCI_COMMAND_MEMORY;
	pwrite(fd, &cmd, 2, CONFIG_OFFSET + PCI_COMMAND);    //@onoff.on
}

/* T2 (disable=reset): a function reset, during which memory decode is off. */
void reset_device(int fd)
{
	ioctl(fd, VFIO_DEVICE_RESET);                        //@reset.ioctl
}

/* T3 (writer): another thread of the VMM maps memory: mmap() takes mmap_sem for write. */
void mapper(void)
{
	void *p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);   //@m.mmap
}
`;

const PRE_SERIES = `
/* ==== vfio-pci before v5.8 ==== */

static int vfio_pci_mmap(struct vfio_pci_device *vdev, struct vm_area_struct *vma)
{
	/* checks: a shared mapping of a BAR that may be mmapped, not past its end */
	vma->vm_private_data = vdev;
	vma->vm_pgoff = bar_pfn(vdev, index);
	/* the whole BAR is mapped now and stays mapped, whatever PCI_COMMAND says */
	return remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);   //@b.remap
}

/* a write of PCI_COMMAND */
static int vfio_basic_config_write(struct vfio_pci_device *vdev, u16 new_cmd)
{
	u16 *virt_cmd = (u16 *)&vdev->vconfig[PCI_COMMAND];

	vfio_default_config_write(vdev, PCI_COMMAND, new_cmd);   /* MEMORY reaches the device */   //@b.hw
	*virt_cmd = new_cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO);   //@b.virt
	return 0;               /* and the BAR mappings are left as they are */
}

static long vfio_pci_ioctl_reset(struct vfio_pci_device *vdev)
{
	return pci_try_reset_function(vdev->pdev);   /* memory decode off until it is done */   //@b.reset
}

/* read() or write() of 4 bytes of a BAR */
static ssize_t vfio_pci_bar_rw(struct vfio_pci_device *vdev, char __user *buf, bool iswrite)
{
	/* nothing looks at the memory enable bit */
	if (iswrite) {
		if (copy_from_user(&val, buf, 4))                      //@b.copy
			return -EFAULT;
		iowrite32(val, io + off);                              //@b.iowrite
	} else {
		val = ioread32(io + off);                              //@b.ioread
		copy_to_user(buf, &val, 4);
	}
	return 4;
}
`;

/** The series' functions that every post-series variant shares. */
const SERIES_COMMON = `
static int vfio_pci_mmap(struct vfio_pci_device *vdev, struct vm_area_struct *vma)
{
	/* checks: a shared mapping of a BAR that may be mmapped, not past its end */
	vma->vm_private_data = vdev;
	vma->vm_pgoff = bar_pfn(vdev, index);
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &vfio_pci_mmap_ops;     /* nothing is mapped until the first access */
	return 0;
}

static void vfio_pci_mmap_close(struct vm_area_struct *vma)
{
	mutex_lock(&vdev->vma_lock);                                   //@close.lock
	list_del(entry for vma); kfree(entry);                         //@close.del
	mutex_unlock(&vdev->vma_lock);                                 //@close.unlock
}

/* a write of PCI_COMMAND */
static int vfio_basic_config_write(struct vfio_pci_device *vdev, u16 new_cmd)
{
	u16 *virt_cmd = (u16 *)&vdev->vconfig[PCI_COMMAND];

	if (!(new_cmd & PCI_COMMAND_MEMORY))
		vfio_pci_zap_and_down_write_memory_lock(vdev);         //@c.zap
	else
		down_write(&vdev->memory_lock);                        //@c.down
	vfio_default_config_write(vdev, PCI_COMMAND, new_cmd);     //@c.hw
	*virt_cmd = new_cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO);   //@c.virt
	up_write(&vdev->memory_lock);                              //@c.up
	return 0;
}

static long vfio_pci_ioctl_reset(struct vfio_pci_device *vdev)
{
	int ret;

	if (!vdev->reset_works)
		return -EINVAL;
	vfio_pci_zap_and_down_write_memory_lock(vdev);             //@r.zap
	ret = pci_try_reset_function(vdev->pdev);                  //@r.reset
	up_write(&vdev->memory_lock);                              //@r.up
	return ret;
}
`;

/** The document's zap, as merged in abafbc551fdd (v5.8 and fixed). */
const DOCUMENT_ZAP = `
/*
 * Lock order: mmap_sem -> vma_lock -> memory_lock. Zapping a mapping needs its mm's
 * mmap_sem, which ranks above vma_lock: drop vma_lock to take it, then take vma_lock again.
 * Returns with vma_lock held and vma_list empty.
 */
static int vfio_pci_zap_and_vma_lock(struct vfio_pci_device *vdev)
{
	for (;;) {
		struct mm_struct *mm = NULL;

		mutex_lock(&vdev->vma_lock);                                   //@z.lock
		/* the mm of the first tracked VMA; an entry of an exiting mm just goes */
		while (!list_empty(&vdev->vma_list)) {
			mm = first_entry(&vdev->vma_list)->vma->vm_mm;         //@z.first
			if (mmget_not_zero(mm))                                //@z.mmget
				break;
			drop_first_entry(&vdev->vma_list);                     //@z.drop
			mm = NULL;
		}
		if (!mm)
			return 1;                   /* vma_list empty, vma_lock held */
		mutex_unlock(&vdev->vma_lock);      /* mmap_sem ranks above it */   //@z.unlock
		down_read(&mm->mmap_sem);                                      //@z.mmap
		if (mmget_still_valid(mm)) {        /* no core dump running */   //@z.valid
			mutex_lock(&vdev->vma_lock);                           //@z.relock
			/* untrack every VMA of this mm, and unmap it */
			for_each_entry_of_mm(mmap_vma, &vdev->vma_list, mm) {
				untrack(mmap_vma);                             //@z.del
				zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);   //@z.zap
			}
			mutex_unlock(&vdev->vma_lock);                         //@z.unlock2
		}
		up_read(&mm->mmap_sem);                                        //@z.mmunlock
		mmput(mm);                                                     //@z.mmput
	}
}

void vfio_pci_zap_and_down_write_memory_lock(struct vfio_pci_device *vdev)
{
	vfio_pci_zap_and_vma_lock(vdev);                                   //@zd.zap
	down_write(&vdev->memory_lock);        /* only now: vma_list is empty */   //@zd.down
	mutex_unlock(&vdev->vma_lock);                                     //@zd.unlock
}
`;

/** bar_rw after bc93b9ae "vfio-pci: Avoid recursive read-lock usage" (fixed, and naive-order). */
const PER_ACCESS_RW = `
/* one access, with memory_lock for read around it and nothing else */
static int vfio_pci_iowrite32(struct vfio_pci_device *vdev, u32 val, void __iomem *io)
{
	down_read(&vdev->memory_lock);                                     //@iow.down
	if (!__vfio_pci_memory_enabled(vdev)) {                            //@iow.enabled
		up_read(&vdev->memory_lock);                               //@iow.up1
		return -EIO;
	}
	iowrite32(val, io);                                                //@iow.write
	up_read(&vdev->memory_lock);                                       //@iow.up
	return 0;
}

static int vfio_pci_ioread32(struct vfio_pci_device *vdev, u32 *val, void __iomem *io)
{
	down_read(&vdev->memory_lock);                                     //@ior.down
	if (!__vfio_pci_memory_enabled(vdev)) {                            //@ior.enabled
		up_read(&vdev->memory_lock);                               //@ior.up1
		return -EIO;
	}
	*val = ioread32(io);                                               //@ior.read
	up_read(&vdev->memory_lock);                                       //@ior.up
	return 0;
}

/* read() or write() of 4 bytes of a BAR: the copy runs with no lock held */
static ssize_t vfio_pci_bar_rw(struct vfio_pci_device *vdev, char __user *buf, bool iswrite)
{
	int ret;

	if (iswrite) {
		if (copy_from_user(&val, buf, 4))                          //@rw.copy
			return -EFAULT;
		ret = vfio_pci_iowrite32(vdev, val, io + off);             //@rw.iowrite
	} else {
		ret = vfio_pci_ioread32(vdev, &val, io + off);             //@rw.ioread
		if (!ret && copy_to_user(buf, &val, 4))
			return -EFAULT;
	}
	return ret ? ret : 4;
}
`;

const NAIVE_ORDER = `
/* ==== Not upstream code: the series' state, memory_lock taken first ==== */
${SERIES_COMMON}
/* entered with mmap_sem held for read, by the page fault */
static vm_fault_t vfio_pci_mmap_fault(struct vm_fault *vmf)
{
	vm_fault_t ret = VM_FAULT_NOPAGE;

	down_read(&vdev->memory_lock);            /* mmap_sem -> memory_lock */   //@n.f.down
	if (!__vfio_pci_memory_enabled(vdev)) {                            //@n.f.enabled
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	mutex_lock(&vdev->vma_lock);                                       //@n.f.lock
	__vfio_pci_add_vma(vdev, vma);                                     //@n.f.add
	mutex_unlock(&vdev->vma_lock);                                     //@n.f.unlock
	remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff,
			vma->vm_end - vma->vm_start, vma->vm_page_prot);   //@n.f.remap
out:
	up_read(&vdev->memory_lock);                                       //@n.f.up
	return ret;
}

void vfio_pci_zap_and_down_write_memory_lock(struct vfio_pci_device *vdev)
{
	struct vfio_pci_mmap_vma *mmap_vma, *tmp;

	down_write(&vdev->memory_lock);           /* stop faults first */  //@n.z.down
	mutex_lock(&vdev->vma_lock);                                       //@n.z.lock
	list_for_each_entry_safe(mmap_vma, tmp, &vdev->vma_list, vma_next) {   //@n.z.next
		struct vm_area_struct *vma = mmap_vma->vma;
		struct mm_struct *mm = vma->vm_mm;

		if (mmget_not_zero(mm)) {                                  //@n.z.mmget
			down_read(&mm->mmap_sem);   /* memory_lock -> mmap_sem */   //@n.z.mmap
			zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);   //@n.z.zap
			up_read(&mm->mmap_sem);                            //@n.z.mmunlock
			mmput(mm);                                         //@n.z.mmput
		}
		list_del(&mmap_vma->vma_next);                             //@n.z.del
		kfree(mmap_vma);
	}
	mutex_unlock(&vdev->vma_lock);                                     //@n.z.unlock
}
${PER_ACCESS_RW}`;

const V5_8 = `
/* ==== vfio-pci v5.8, as merged in abafbc551fdd ==== */
${SERIES_COMMON}
/* entered with mmap_sem held for read, by the page fault */
static vm_fault_t vfio_pci_mmap_fault(struct vm_fault *vmf)
{
	vm_fault_t ret = VM_FAULT_NOPAGE;

	mutex_lock(&vdev->vma_lock);                                       //@f.lock
	down_read(&vdev->memory_lock);                                     //@f.down
	if (!__vfio_pci_memory_enabled(vdev)) {                            //@f.enabled
		ret = VM_FAULT_SIGBUS;
		mutex_unlock(&vdev->vma_lock);                             //@f.unlock1
		goto up_out;
	}
	if (__vfio_pci_add_vma(vdev, vma)) {                               //@f.add
		ret = VM_FAULT_OOM;
		mutex_unlock(&vdev->vma_lock);
		goto up_out;
	}
	mutex_unlock(&vdev->vma_lock);            /* before the remap */   //@f.unlock2
	if (remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff,
			    vma->vm_end - vma->vm_start, vma->vm_page_prot))   //@f.remap
		ret = VM_FAULT_SIGBUS;
up_out:
	up_read(&vdev->memory_lock);                                       //@f.up
	return ret;
}
${DOCUMENT_ZAP}
/* read() or write() of 4 bytes of a BAR: memory_lock for read across the whole access */
static ssize_t vfio_pci_bar_rw(struct vfio_pci_device *vdev, char __user *buf, bool iswrite)
{
	ssize_t done = 4;

	down_read(&vdev->memory_lock);                                     //@rw.down
	if (!__vfio_pci_memory_enabled(vdev)) {                            //@rw.enabled
		up_read(&vdev->memory_lock);                               //@rw.up1
		return -EIO;
	}
	if (iswrite) {
		if (copy_from_user(&val, buf, 4))   /* may fault */   //@rw.copy
			done = -EFAULT;
		else
			iowrite32(val, io + off);                          //@rw.iowrite
	} else {
		val = ioread32(io + off);                                  //@rw.ioread
		if (copy_to_user(buf, &val, 4))
			done = -EFAULT;
	}
	up_read(&vdev->memory_lock);                                       //@rw.up
	return done;
}
`;

const FIXED = `
/* ==== vfio-pci: the document's order, with bar_rw from bc93b9ae ==== */
${SERIES_COMMON}
/* entered with mmap_sem held for read, by the page fault */
static vm_fault_t vfio_pci_mmap_fault(struct vm_fault *vmf)
{
	vm_fault_t ret = VM_FAULT_NOPAGE;

	mutex_lock(&vdev->vma_lock);              /* mmap_sem -> vma_lock */   //@f.lock
	down_read(&vdev->memory_lock);            /* vma_lock -> memory_lock */   //@f.down
	if (!__vfio_pci_memory_enabled(vdev)) {                            //@f.enabled
		ret = VM_FAULT_SIGBUS;
		goto up_out;
	}
	if (__vfio_pci_add_vma(vdev, vma)) {                               //@f.add
		ret = VM_FAULT_OOM;
		goto up_out;
	}
	if (remap_pfn_range(vma, vma->vm_start, vma->vm_pgoff,
			    vma->vm_end - vma->vm_start, vma->vm_page_prot))   //@f.remap
		ret = VM_FAULT_SIGBUS;
up_out:
	up_read(&vdev->memory_lock);                                       //@f.up
	mutex_unlock(&vdev->vma_lock);            /* after the remap */    //@f.unlock
	return ret;
}
${DOCUMENT_ZAP}${PER_ACCESS_RW}`;

export const listings: Readonly<Record<string, Listing>> = lazyListings({
  buggy: () => listing(PRE_SERIES + USER),
  'naive-order': () => listing(NAIVE_ORDER + USER),
  'v5.8': () => listing(V5_8 + USER),
  fixed: () => listing(FIXED + USER),
});
