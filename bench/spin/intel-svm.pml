/*
 * intel-svm.pml: the intel-svm case (drivers/iommu/intel-svm.c, "iommu/vt-d: Fix mm refcounting to
 * hold mm_count not mm_users", e57e58bd390a), written independently of the engine for Spin.
 *
 * Models: P, a single-threaded process with the device file open: it binds its mm to DEVICES devices
 * (ioctl SVM_BIND: intel_svm_bind_mm for each, under pasid_mutex; the first makes the svm, registers
 * its mmu notifier, which takes mm_count, and sets the PASID entry), maps the device file (the VMA
 * takes a file reference), starts the devices and exits (do_exit: exit_mm, whose mmput may run
 * exit_mmap; then exit_files, whose fput may call the file's ->release; then the active_mm mmdrop).
 * PRQ, the IOMMU's page-request thread: it answers each request by faulting the page in on P's mm
 * under mmap_sem, and stops when no request is queued and every device is idle; a last mmput on it
 * runs exit_mmap there, and a last fput from it goes to kworker (delayed_fput). DMA (one per device):
 * once its PASID is programmed, it translates REQUESTS addresses of P's buffer (IOTLB, then the PASID
 * cache, then the PASID table entry and a walk of the page tables, caching the entry); a page not
 * present is a page request, and on SUCCESS it translates once more; a cleared entry fails cleanly;
 * walking freed page tables is a use after free (assertion). The file's ->release stops the devices,
 * waits until they are idle and unbinds each (pasid_mutex; the last unbind removes the PASID, drops
 * the notifier and frees the svm). exit_mmap: the notifier's ->release (clear the PASID entry and,
 * when fixed, flush each device's PASID cache and IOTLB), unmap (pages gone), free_pgtables,
 * remove_vma (fput of the device file), and the users' mmdrop.
 *   -DBUGGY: the binding keeps get_task_mm's mm_users reference until unbind, and the fault path takes
 *            no mm_users: mm -> VMA -> file -> binding -> mm is a cycle, and once every thread has
 *            finished the mm, the file and the svm are still there (the leak: an assertion at the end).
 *   default (fixed): bind drops mm_users (the notifier's mm_count keeps the struct); ->release flushes;
 *            the fault path takes mm_users only if it is not 0, else answers INVALID. Everything is
 *            freed at the end, and no device walks freed page tables.
 *   -DNO_RELEASE_FLUSH: the fix without the flush in ->release: a device walks the freed page
 *            tables through its cached PASID entry (an assertion).
 * Sizes: -DREQUESTS=n (1-4, default 1) pages each device accesses, -DDEVICES=n (1-2, default 1).
 *
 * Simplified: wait_event is a guard on its condition; the PASID cache and IOTLB are bits per device
 * (and per page); the IDR holds one svm; the task_lock/get_task_mm and mmap_sem in exit_mm are left
 * out; the buffer's VMA and the file's VMA go together in exit_mmap; the svm_ctx's free is left out.
 */
#include "kernel.pml"

#ifndef REQUESTS
#define REQUESTS 1
#endif
#ifndef DEVICES
#define DEVICES 1
#endif

#define NONE 0
#define SUCCESS 1
#define INVALID 2

rwsem mmap_sem;
mutex pasid_mutex;

byte mm_users = 1, mm_count = 1;
bit mm_freed, pgtables_freed, vmas_gone;
bit present[REQUESTS];
bit notifier_registered, notifier_released;
bit pasid_entry;                      /* the PASID table entry points at P's pgd */
bit svm_bound;                        /* the svm is in the IDR */
byte nsdev;                           /* devices bound to the svm */
bit kept_users;                       /* BUGGY: the binding holds an mm_users reference */
byte file_count = 1;                  /* P's fd */
bit file_released, delayed_pending, prq_stopped;

bit programmed[DEVICES], stop[DEVICES], idle[DEVICES], pasid_cache[DEVICES];
bit iotlb[DEVICES * REQUESTS];
byte response[DEVICES];
chan prq = [DEVICES] of { byte, byte };

inline mmdrop() {
  atomic { assert(mm_count > 0); mm_count--; if :: mm_count == 0 -> mm_freed = 1 :: else -> skip fi }
}

inline flush_dev(d) {               /* PASID cache and IOTLB of device d */
  atomic {
    pasid_cache[d] = 0;
    j = 0;
    do :: j < REQUESTS -> iotlb[d * REQUESTS + j] = 0; j++ :: else -> break od;
    j = 0
  }
}

inline intel_mm_release() {
  pasid_entry = 0;
#if !defined(BUGGY) && !defined(NO_RELEASE_FLUSH)
  k = 0;
  do :: k < DEVICES -> flush_dev(k); k++ :: else -> break od;
#endif
  notifier_released = 1
}

inline svm_dev_release() {
  atomic { k = 0; do :: k < DEVICES -> stop[k] = 1; k++ :: else -> break od };
  k = 0;
  do :: k < DEVICES -> idle[k]; k++ :: else -> break od;      /* wait until each device is idle */
  k = 0;
  do
  :: k < DEVICES ->                 /* intel_svm_unbind_mm */
     mutex_lock(pasid_mutex);
     if
     :: svm_bound ->
        nsdev--;
        flush_dev(k);
        if
        :: nsdev == 0 ->
           svm_bound = 0;
           if :: !notifier_released -> intel_mm_release() :: else -> skip fi;
           notifier_registered = 0;
           mmdrop();
           if :: kept_users -> kept_users = 0; mmput_last_impossible() :: else -> skip fi
        :: else -> skip
        fi
     :: else -> skip
     fi;
     mutex_unlock(pasid_mutex);
     k++
  :: else -> break
  od;
  file_released = 1
}

/* unbind's mmput in BUGGY: never reached (the file is released only after exit_mmap) */
inline mmput_last_impossible() { assert(0) }

/* dec-and-test of a count is one atomic step; `last` is the caller's local */
inline fput(kthread) {
  atomic { assert(file_count > 0); file_count--; last = (file_count == 0) };
  if
  :: last && kthread -> delayed_pending = 1
  :: last && !kthread -> svm_dev_release()
  :: else -> skip
  fi
}

inline exit_mmap(kthread) {
  if :: notifier_registered && !notifier_released -> intel_mm_release() :: else -> skip fi;
  atomic { j = 0; do :: j < REQUESTS -> present[j] = 0; j++ :: else -> break od; j = 0; vmas_gone = 1 };
  pgtables_freed = 1;               /* free_pgtables */
  fput(kthread);                    /* remove_vma of the device file's VMA */
  mmdrop()
}

inline mmput(kthread) {
  atomic { assert(mm_users > 0); mm_users--; last = (mm_users == 0) };
  if :: last -> exit_mmap(kthread) :: else -> skip fi
}

proctype P() {
  byte j, k, d;
  bit last;
  d = 0;
  do
  :: d < DEVICES ->                 /* intel_svm_bind_mm */
     mm_users++;                    /* get_task_mm */
     mutex_lock(pasid_mutex);
     if
     :: !svm_bound ->
        svm_bound = 1;
        notifier_registered = 1; mm_count++;
        pasid_entry = 1;
#ifdef BUGGY
        kept_users = 1              /* mm = NULL: the reference stays with the binding */
#endif
     :: else -> skip
     fi;
     nsdev++;
     mutex_unlock(pasid_mutex);
     if
     :: d == 0 && kept_users -> skip
     :: else -> mmput(0)
     fi;
     d++
  :: else -> break
  od;
  down_write(mmap_sem);             /* mmap of the device file: the VMA holds the file */
  file_count++;
  up_write(mmap_sem);
  atomic { d = 0; do :: d < DEVICES -> programmed[d] = 1; d++ :: else -> break od; d = 0 };   /* SVM_START */
  mm_count++;                       /* do_exit: exit_mm, active_mm */
  mmput(0);
  fput(0);                          /* exit_files */
  mmdrop()                          /* the active_mm's mmdrop */
}

proctype PRQ() {
  byte j, k, d, a, result;
  bit last;
  do
  :: atomic { (len(prq) > 0 || (idle[0] && (DEVICES < 2 || idle[DEVICES - 1]))) ->
       if :: len(prq) > 0 -> prq?d,a :: else -> break fi };
     if
     :: !svm_bound -> result = INVALID
     :: else ->
        assert(!mm_freed);          /* svm->mm is read: the struct must be alive */
        result = INVALID;
#ifndef BUGGY
        if
        :: atomic { mm_users > 0 -> mm_users++ };
#else
        if
        :: true ->
#endif
           down_read(mmap_sem);
           if :: !vmas_gone -> present[a] = 1; result = SUCCESS :: else -> skip fi;
           up_read(mmap_sem);
#ifndef BUGGY
           mmput(1)
        :: else -> skip
#endif
        fi
     fi;
     response[d] = result
  od;
  prq_stopped = 1
}

inline walk(d, a, request) {
  if
  :: pasid_cache[d] || pasid_entry ->
     assert(!pgtables_freed && !mm_freed);   /* a walk of freed page tables: use after free */
     pasid_cache[d] = 1;
     if
     :: present[a] -> iotlb[d * REQUESTS + a] = 1
     :: else -> if :: request -> prq!d,a; requested = 1 :: else -> skip fi
     fi
  :: else -> skip                   /* PASID not present: the access fails cleanly */
  fi
}

proctype DMA(byte d) {
  byte a = 0;
  bit requested;
  programmed[d];
  do
  :: a < REQUESTS ->
     requested = 0;
     atomic {
       if
       :: stop[d] -> break
       :: !stop[d] && iotlb[d * REQUESTS + a] -> skip
       :: else -> walk(d, a, 1)
       fi
     };
     if
     :: requested ->
        response[d] != NONE;
        atomic {
          if
          :: response[d] == SUCCESS && !stop[d] -> walk(d, a, 0)
          :: else -> skip
          fi;
          response[d] = NONE
        }
     :: else -> skip
     fi;
     a++
  :: else -> break
  od;
  idle[d] = 1
}

proctype kworker() {
  byte j, k;
  bit last;
  do
  :: delayed_pending || prq_stopped ->
     if
     :: delayed_pending -> delayed_pending = 0; svm_dev_release()
     :: else -> break
     fi
  od
}

init {
  byte d;
  bit nothing_leaked;
  atomic {
    run P(); run PRQ(); run kworker();
    d = 0;
    do :: d < DEVICES -> run DMA(d); d++ :: else -> break od
  }
  (_nr_pr == 1);
  nothing_leaked = mm_freed && file_released && !svm_bound;
  assert(nothing_leaked)
}
