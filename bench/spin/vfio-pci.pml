/*
 * vfio-pci.pml: the vfio-pci case (drivers/vfio/pci, "vfio-pci: Invalidate mmaps and block MMIO
 * access on disabled memory", abafbc551fdd, v5.8, CVE-2020-12888, with bc93b9ae0151's per-access
 * memory_lock), written independently of the engine for Spin.
 *
 * Models: T1, a thread of P1 that maps BAR0 of the device (mmap, mmap_sem for write) and accesses it;
 * T2, a thread that turns the device's memory decode off through PCI_COMMAND. MAPPINGS - 1 other
 * processes mapped BAR0 and read it before the threads start and are idle (their VMAs are tracked
 * and their pages mapped). An access through a mapping whose page is present reaches the device:
 * with memory decode off that is the violation (assertion). A page that is not present faults
 * (mmap_sem for read, then the VMA's fault handler), at most FAULTS times an access.
 *   -DBUGGY (script 5a, before the series): mmap maps the BAR at once and nothing ever unmaps it;
 *            T1 loads ACCESSES times; T2 writes PCI_COMMAND without MEMORY: a load reaches disabled
 *            memory.
 *   default (fixed, script 5b): mmap maps nothing; the fault handler takes vma_lock, then memory_lock
 *            for read, and with memory on tracks the VMA and maps the page (both locks held across
 *            the remap), with memory off answers SIGBUS. T1 loads, then ACCESSES times preads BAR0
 *            (memory_lock for read around the one ioread; -EIO when memory is off) and loads again.
 *            T2 turns memory off (vfio_pci_zap_and_down_write_memory_lock: repeatedly take vma_lock,
 *            find the first tracked VMA's mm, drop vma_lock, take that mm's mmap_sem for read, take
 *            vma_lock, untrack and zap that mm's VMAs, drop both; once nothing is tracked, keep
 *            vma_lock, take memory_lock for write, drop vma_lock; write the command; release), then on
 *            again (memory_lock for write). No access may reach disabled memory.
 * Sizes: -DMAPPINGS=n (1-3, default 1), -DACCESSES=n (1-3, default 1), -DFAULTS=n (1-3, default 1).
 * mmap_sem and memory_lock are v5.3+ rwsems (phase-fair).
 *
 * Simplified: each mm maps one page of BAR0, so a VMA is a bit per mm (tracked, present);
 * mmget_not_zero and mmget_still_valid on the idle mms always succeed; the virtual command register
 * and pread's copy to the user's stack are left out.
 */
#include "kernel.pml"

#ifndef MAPPINGS
#define MAPPINGS 1
#endif
#ifndef ACCESSES
#define ACCESSES 1
#endif
#ifndef FAULTS
#define FAULTS 1
#endif

#define OK 0
#define NOTPRESENT 1
#define SIGBUS 2

rwsem mmap_sem[MAPPINGS];
rwsem memory_lock;
mutex vma_lock;
bit mem_enabled = 1;
bit present[MAPPINGS];                /* the BAR0 page is mapped in mm i */
bit tracked[MAPPINGS];                /* mm i's BAR0 VMA is on vma_list */

/* vfio_pci_mmap_fault after the fix, under P1's mmap_sem */
inline page_fault() {
  down_read(mmap_sem[0]);
  mutex_lock(vma_lock);
  down_read(memory_lock);
  if
  :: mem_enabled -> tracked[0] = 1; present[0] = 1
  :: else -> res = SIGBUS
  fi;
  up_read(memory_lock);
  mutex_unlock(vma_lock);
  up_read(mmap_sem[0])
}

/* a load by T1 through its BAR0 mapping */
inline load() {
  faults = 0;
  do
  :: atomic {
       if
       :: present[0] -> assert(mem_enabled); res = OK    /* reaches the device */
       :: else -> res = NOTPRESENT
       fi
     };
     if
     :: res == OK -> break
     :: res != OK && faults == FAULTS -> break           /* the model's retry bound */
     :: else ->
        faults++;
#ifdef BUGGY
        assert(0)                                        /* before the series the page stays mapped */
#else
        page_fault();
        if :: res == SIGBUS -> break :: else -> skip fi
#endif
     fi
  od
}

proctype T1() {
  byte faults, res, n;
  down_write(mmap_sem[0]);          /* mmap of BAR0 */
#ifdef BUGGY
  present[0] = 1;                   /* remap_pfn_range in ->mmap */
#endif
  up_write(mmap_sem[0]);
#ifdef BUGGY
  n = 0;
  do :: n < ACCESSES -> load(); n++ :: else -> break od
#else
  load();
  n = 0;
  do
  :: n < ACCESSES ->
     down_read(memory_lock);        /* pread: vfio_pci_ioread32 */
     if :: mem_enabled -> skip :: else -> skip fi;   /* the ioread, or -EIO */
     up_read(memory_lock);
     load();
     n++
  :: else -> break
  od
#endif
}

proctype T2() {
#ifdef BUGGY
  mem_enabled = 0                   /* PCI_COMMAND = IO: nothing unmaps the BAR */
#else
  byte m, i;
  do                                /* vfio_pci_zap_and_vma_lock */
  :: mutex_lock(vma_lock);
     atomic {
       m = MAPPINGS; i = 0;
       do
       :: i < MAPPINGS && tracked[i] -> m = i; break
       :: i < MAPPINGS && !tracked[i] -> i++
       :: else -> break
       od
     };
     if
     :: m == MAPPINGS -> break      /* nothing tracked: return with vma_lock held */
     :: else -> skip
     fi;
     mutex_unlock(vma_lock);
     down_read(mmap_sem[m]);
     mutex_lock(vma_lock);
     tracked[m] = 0;                /* untrack the mm's VMAs */
     present[m] = 0;                /* zap_vma_ptes */
     mutex_unlock(vma_lock);
     up_read(mmap_sem[m])
  od;
  down_write(memory_lock);
  mutex_unlock(vma_lock);
  mem_enabled = 0;                  /* PCI_COMMAND = IO */
  up_write(memory_lock);
  down_write(memory_lock);          /* PCI_COMMAND = IO | MEMORY */
  mem_enabled = 1;
  up_write(memory_lock)
#endif
}

init {
  byte i;
  atomic {
    i = 1;
    do :: i < MAPPINGS -> present[i] = 1; tracked[i] = 1; i++ :: else -> break od;
    run T1(); run T2()
  }
}
