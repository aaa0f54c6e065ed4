/*
 * hmm.pml: the hmm case (mm/hmm.c, "mm/hmm: Fix error flows in hmm_invalidate_range_start", v5.2),
 * scenario A (the leaked hmm->notifiers, the case's default), written independently of the engine
 * for Spin.
 *
 * Models: D, a driver that registers RANGES one-page ranges of the victim's mm, one after the other,
 * and waits until each is valid (hmm_range_register under the ranges lock, then
 * hmm_range_wait_until_valid); U, another driver in hmm_mirror_unregister, which holds mirrors_sem
 * for write and, while it does, needs memory: the OOM killer queues the mm's owner for the reaper,
 * and U waits until the reaper sets MMF_OOM_SKIP; R, the OOM reaper: it waits for a victim, takes
 * mmap_sem with a trylock, starts a non-blocking invalidation of the VMA
 * (hmm_invalidate_range_start: take the ranges lock, raise notifiers and mark every registered range
 * invalid, drop the lock, then trylock mirrors_sem), skips the VMA when the start fails (no
 * invalidate_range_end), drops mmap_sem, sets MMF_OOM_SKIP and wakes the allocator.
 *   -DBUGGY: the ranges lock is a mutex (a non-blocking start only tries it, and -EAGAIN before the
 *            count is raised if that fails), and a failed trylock of mirrors_sem returns -EAGAIN with
 *            notifiers still raised: D waits for ever (an invalid end state).
 *   default (fixed): the ranges lock is a spinlock, and the failed trylock unwinds with
 *            notifiers_decrement, which at 0 marks every range valid again and wakes the waiters.
 * Sizes: -DRANGES=n (1-3, default 1).
 *
 * Simplified: wait_event is a guard on its condition (every place that makes the condition true
 * wakes the queue, so no wake-up is lost); a spinlock section that does not sleep is one atomic step;
 * kref and mmget on the live hmm and mm always succeed and are left out; the mirror callbacks are
 * never reached in this scenario (mirrors_sem is write-held by U throughout R's pass) and are left
 * out, as are the invalidate_range_end and unmap that only a successful start reaches.
 */
#define RWSEM_FIFO
#include "kernel.pml"

#ifndef RANGES
#define RANGES 1
#endif

rwsem mmap_sem;
rwsem mirrors_sem;
#ifdef BUGGY
mutex ranges_lock;
#endif
byte notifiers;
bit registered[RANGES];
bit valid[RANGES];
bit victim_queued;
bit oom_skip;

proctype D() {
  byte i = 0;
  do
  :: i < RANGES ->
     /* hmm_range_register: add the range under the ranges lock; valid iff no invalidation runs */
#ifdef BUGGY
     mutex_lock(ranges_lock);
     atomic { registered[i] = 1; valid[i] = (notifiers == 0) };
     mutex_unlock(ranges_lock);
#else
     atomic { registered[i] = 1; valid[i] = (notifiers == 0) };
#endif
     valid[i];                  /* hmm_range_wait_until_valid */
     i++
  :: else -> break
  od
}

proctype U() {
  down_write(mirrors_sem);      /* hmm_mirror_unregister */
  victim_queued = 1;            /* out_of_memory: wake_oom_reaper */
  oom_skip;                     /* wait for memory: until MMF_OOM_SKIP */
  skip;                         /* list_del of the mirror */
  up_write(mirrors_sem)
}

/* notifiers++, and every registered range is invalid (one step under the ranges lock) */
inline raise_notifiers() {
  atomic {
    notifiers++;
    j = 0;
    do
    :: j < RANGES -> if :: registered[j] -> valid[j] = 0 :: else -> skip fi; j++
    :: else -> break
    od;
    j = 0
  }
}

proctype R() {
  bit ok, locked;
  byte j;
  victim_queued;                /* wait_event(oom_reaper_wait, oom_reaper_list != NULL) */
  victim_queued = 0;
  down_read_trylock(mmap_sem, ok);
  if
  :: ok ->
     /* hmm_invalidate_range_start, non-blocking */
#ifdef BUGGY
     mutex_trylock(ranges_lock, locked);
     if
     :: locked ->
        raise_notifiers();
        mutex_unlock(ranges_lock);
        down_read_trylock(mirrors_sem, ok);
        if
        :: ok -> assert(0)      /* U holds mirrors_sem for write throughout: not reached */
        :: else -> skip         /* -EAGAIN with notifiers raised */
        fi
     :: else -> skip            /* -EAGAIN before the count is raised */
     fi;
#else
     raise_notifiers();
     down_read_trylock(mirrors_sem, ok);
     if
     :: ok -> assert(0)
     :: else ->                 /* notifiers_decrement */
        atomic {
          notifiers--;
          if
          :: notifiers == 0 ->
             j = 0;
             do
             :: j < RANGES -> if :: registered[j] -> valid[j] = 1 :: else -> skip fi; j++
             :: else -> break
             od;
             j = 0
          :: else -> skip
          fi
        }
     fi;
#endif
     up_read(mmap_sem)
  :: else -> skip
  fi;
  oom_skip = 1                  /* MMF_OOM_SKIP, and wake the allocator */
}

init {
  atomic { run D(); run U(); run R() }
}
