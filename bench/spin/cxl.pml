/*
 * cxl.pml: the cxl case (drivers/misc/cxl, "cxl: Fix possible deadlock when processing page faults
 * from cxllib", v4.13-v4.17), written independently of the engine for Spin.
 *
 * Models: T1, an external driver resolving an accelerator's translation fault with
 * cxllib_handle_fault, then restarting the accelerator, which touches each page and faults again on
 * a page it misses (at most MAX_RETRIES retries a page). T2, another thread of the process, in brk()
 * (down_write of mmap_sem). mmap_sem is a v4 rwsem (RWSEM_FIFO): a reader queues behind a queued
 * writer.
 *   -DBUGGY: mmap_sem held for read (R1) across the loop; copro_handle_mm_fault takes it for read
 *            again (R2) for each page: a writer queued between R1 and R2 deadlocks (invalid end state).
 *   default (fixed): get_vma_info takes and drops R1 around the VMA lookup; each page's fault takes
 *            R2 with nothing held. A third thread T3 maps fresh memory over the last VMA with
 *            mmap(MAP_FIXED) (down_write, unmapping its pages), so a page T1 faulted in may vanish;
 *            the accelerator's retry faults it in again. Every access must complete (assertion).
 *   -DNO_RETRY: the fixed code with a driver that never retries (a violation at the end).
 * Sizes: -DPAGES=n (1-8, default 3) pages of the buffer, -DVMAS=v (1-4, default 2) VMAs; the pages
 * are shared as evenly as they divide, later VMAs taking the extra ones, as in the case, and only the
 * last VMA's share matters here (T3 remaps it).
 *
 * Simplified: the VMA lookup and its page-size change are a step under the lock that always finds the
 * VMA (the buffer is always mapped; the buggy loop's second bug, looking the VMA up again at the
 * buffer's start, changes which pages it faults, not the deadlock); handle_mm_fault is one step that
 * makes the page present; brk's and mmap's work under the lock is one step each.
 */
#define RWSEM_FIFO
#include "kernel.pml"

#ifndef PAGES
#define PAGES 3
#endif
#ifndef VMAS
#define VMAS 2
#endif
#define MAX_RETRIES 3
/* pages in the last VMA: floor(PAGES/VMAS) plus one if it takes one of the extra pages */
#define LAST_PAGES (PAGES / VMAS + ((PAGES % VMAS) > 0 -> 1 : 0))

rwsem mmap_sem;
bit present[PAGES];
bit accessed[PAGES];

/* copro_handle_mm_fault: R2 around find_vma + handle_mm_fault */
inline copro_handle_mm_fault(p) {
  down_read(mmap_sem);
  present[p] = 1;
  up_read(mmap_sem)
}

proctype T1() {
  byte p, retries;
  /* cxllib_handle_fault for the whole buffer */
#ifdef BUGGY
  down_read(mmap_sem);          /* R1, held across the loop */
  p = 0;
  do
  :: p < PAGES -> copro_handle_mm_fault(p); p++
  :: else -> break
  od;
  up_read(mmap_sem);
#else
  down_read(mmap_sem);          /* get_vma_info: R1 only around the lookup */
  up_read(mmap_sem);
  p = 0;
  do
  :: p < PAGES ->
     if
     :: p == PAGES - LAST_PAGES -> down_read(mmap_sem); up_read(mmap_sem)   /* next VMA: get_vma_info again */
     :: else -> skip
     fi;
     copro_handle_mm_fault(p); p++
  :: else -> break
  od;
#endif
  /* the accelerator touches each page; a miss faults that page again */
  p = 0;
  do
  :: p < PAGES ->
     retries = 0;
     do
     :: present[p] -> accessed[p] = 1; break
     :: else ->
#ifdef NO_RETRY
        break;
#endif
        retries++;
        assert(retries <= MAX_RETRIES);
        down_read(mmap_sem); up_read(mmap_sem);     /* get_vma_info for the page */
        copro_handle_mm_fault(p)
     od;
     p++
  :: else -> break
  od
}

proctype T2() {         /* brk() */
  down_write(mmap_sem);
  up_write(mmap_sem)
}

proctype T3() {         /* mmap(MAP_FIXED) over the last VMA: fresh memory, nothing present */
  byte p;
  down_write(mmap_sem);
  atomic {
    p = PAGES - LAST_PAGES;
    do
    :: p < PAGES -> present[p] = 0; p++
    :: else -> break
    od;
    p = 0
  };
  up_write(mmap_sem)
}

init {
  atomic {
    run T1(); run T2();
#ifndef BUGGY
    run T3();
#endif
  }
  (_nr_pr == 1);
  byte p = 0;
  do
  :: p < PAGES -> assert(accessed[p]); p++
  :: else -> break
  od
}
