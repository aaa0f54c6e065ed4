/*
 * userfaultfd.pml: the userfaultfd case (mm/userfaultfd.c, "mm/userfaultfd: Replace
 * kmap/kmap_atomic() with kmap_local_page()", v6.1), its two-process form, written independently of
 * the engine for Spin.
 *
 * Models: PROCS processes in a ring (2: the deadly embrace of the patch's comment). Process p's
 * handler thread holds the next process's userfaultfd and does UFFDIO_COPY of PAGES pages into the
 * next process's registered range from its own source buffer, whose pages are mapped but not
 * resident; p's second thread calls mmap() in its own process (mmap_lock for write). UFFDIO_COPY is
 * __mcopy_atomic: take dst_mm's mmap_lock for read, and for each page copy the source page
 * (mcopy_atomic_pte) and install it; a copy that fails with page faults disabled returns -ENOENT, and
 * __mcopy_atomic drops the lock, copies the page with faults enabled, and starts again (the next pass
 * installs the page it copied). A page fault on the source takes the handler's own mmap_lock for read.
 * mmap_lock is a v6 rwsem (phase-fair; a reader queues behind a queued writer).
 *   -DBUGGY: kmap_local_page() without pagefault_disable(): the copy under dst_mm's mmap_lock faults
 *            the source in, a read of the handler's own mmap_lock that queues behind its own process's
 *            mmap(): all threads block (an invalid end state).
 *   default (fixed): the merged patch, page faults disabled around the copy: -ENOENT and the copy
 *            outside the lock. At the end every destination page must be present (assertion).
 * Sizes: -DPAGES=n (1-4, default 1), -DPROCS=n (2-3, default 2).
 *
 * Simplified: the one-process form is not modelled; kmap/kunmap, mmget/mmput of dst_mm (alive
 * throughout), find_dst_vma (the range is always registered) and what mmap() does under the lock are
 * left out; the page-table lock of the install is one atomic step; copying a resident page always
 * succeeds.
 */
#include "kernel.pml"

#ifndef PAGES
#define PAGES 1
#endif
#ifndef PROCS
#define PROCS 2
#endif

rwsem mmap_lock[PROCS];
bit src_present[PROCS * PAGES];
bit dst_present[PROCS * PAGES];

/* a page fault on the handler's own source page: mmap_lock of its own mm for read */
inline fault_in(me, i) {
  if
  :: !src_present[me * PAGES + i] -> down_read(mmap_lock[me]); src_present[me * PAGES + i] = 1; up_read(mmap_lock[me])
  :: else -> skip
  fi
}

inline install(d, i) {
  atomic { assert(!dst_present[d * PAGES + i]); dst_present[d * PAGES + i] = 1 }
}

proctype Handler(byte me) {
  byte d = (me + 1) % PROCS;
  byte i = 0;
  bit filled = 0;               /* a page copied outside the lock, waiting to be installed */
retry:
  down_read(mmap_lock[d]);
  do
  :: i < PAGES ->
     if
     :: filled -> filled = 0; install(d, i); i++
     :: else ->
#ifdef BUGGY
        fault_in(me, i);        /* faults taken under dst_mm's mmap_lock */
        install(d, i); i++
#else
        if
        :: src_present[me * PAGES + i] -> install(d, i); i++
        :: else ->              /* -ENOENT: drop the lock, copy with faults enabled, go again */
           up_read(mmap_lock[d]);
           fault_in(me, i);
           filled = 1;
           goto retry
        fi
#endif
     fi
  :: else -> break
  od;
  up_read(mmap_lock[d])
}

proctype Mapper(byte me) {
  down_write(mmap_lock[me]);
  up_write(mmap_lock[me])
}

init {
  byte p;
  atomic {
    p = 0;
    do
    :: p < PROCS -> run Handler(p); run Mapper(p); p++
    :: else -> break
    od
  }
  (_nr_pr == 1);
  p = 0;
  do
  :: p < PROCS * PAGES -> assert(dst_present[p]); p++
  :: else -> break
  od
}
