/*
 * kernel.pml: the kernel's sleeping locks, written for Spin, included by each case's model.
 *
 * rw_semaphore: a FIFO queue of waiters. A new down_read is admitted only when no writer holds the
 * semaphore and nobody is queued (Linux v4 rwsem-xadd.c, and v6 for a reader that already holds it);
 * a down_write only when nobody holds it. A release hands the semaphore to the head of the queue: a
 * writer at the head when the semaphore is idle; readers when no writer holds it, either the
 * consecutive readers at the head (RWSEM_FIFO, v4) or every queued reader, skipping writers
 * (default, phase-fair: v5.3 and later, when the head is a reader). Simplified: Linux v4 wakes a
 * writer at the head rather than handing it the lock (so a writer arriving then could steal it), and
 * v5.3-v5.10 readers may spin past a queued writer; neither is modelled.
 *
 * mutex: a FIFO queue too (mutex_lock sleeps, mutex_unlock hands over to the first waiter).
 *
 * A sleeping thread waits on `waiting[_pid]`, which the granter clears: a thread asleep for ever is
 * stopped at a non-end statement, which Spin reports as an invalid end state (the deadlock).
 */
#ifndef NQ
#define NQ 8
#endif

#define READ 0
#define WRITE 1

typedef rwsem {
  byte readers;       /* read holds (a thread that took it twice counts twice) */
  byte writer;        /* _pid + 1 of the writer, or 0 */
  byte qlen;
  byte qpid[NQ];
  bit qmode[NQ];
};

typedef mutex {
  byte owner;         /* _pid + 1, or 0 */
  byte qlen;
  byte qpid[NQ];
};

bit waiting[16];
byte gi, gj;          /* scratch for the grant loops; only used inside atomic sequences */

inline rwsem_dequeue(s, i) {
  gj = i;
  do
  :: gj + 1 < s.qlen -> s.qpid[gj] = s.qpid[gj + 1]; s.qmode[gj] = s.qmode[gj + 1]; gj++
  :: else -> break
  od;
  s.qlen--;
  s.qpid[s.qlen] = 0; s.qmode[s.qlen] = 0;
  gj = 0
}

/* Hands the semaphore to the waiters the policy says (called inside atomic). */
inline rwsem_grant(s) {
  if
  :: s.qlen > 0 && s.qmode[0] == WRITE ->
     if
     :: s.writer == 0 && s.readers == 0 -> s.writer = s.qpid[0] + 1; waiting[s.qpid[0]] = 0; rwsem_dequeue(s, 0)
     :: else -> skip
     fi
  :: s.qlen > 0 && s.qmode[0] == READ && s.writer == 0 ->
     gi = 0;
     do
     :: gi < s.qlen && s.qmode[gi] == READ -> s.readers++; waiting[s.qpid[gi]] = 0; rwsem_dequeue(s, gi)
#ifdef RWSEM_FIFO
     :: gi < s.qlen && s.qmode[gi] == WRITE -> break
#else
     :: gi < s.qlen && s.qmode[gi] == WRITE -> gi++
#endif
     :: gi >= s.qlen -> break
     od;
     gi = 0
  :: else -> skip
  fi
}

inline down_read(s) {
  atomic {
    if
    :: s.writer == 0 && s.qlen == 0 -> s.readers++
    :: else -> assert(s.qlen < NQ); s.qpid[s.qlen] = _pid; s.qmode[s.qlen] = READ; s.qlen++; waiting[_pid] = 1
    fi
  };
  waiting[_pid] == 0
}

inline down_write(s) {
  atomic {
    if
    :: s.writer == 0 && s.readers == 0 && s.qlen == 0 -> s.writer = _pid + 1
    :: else -> assert(s.qlen < NQ); s.qpid[s.qlen] = _pid; s.qmode[s.qlen] = WRITE; s.qlen++; waiting[_pid] = 1
    fi
  };
  waiting[_pid] == 0
}

/* down_read_trylock: fails when a writer holds it or anyone is queued; never queues. */
inline down_read_trylock(s, ok) {
  atomic {
    if
    :: s.writer == 0 && s.qlen == 0 -> s.readers++; ok = 1
    :: else -> ok = 0
    fi
  }
}

inline up_read(s) {
  atomic { assert(s.readers > 0); s.readers--; rwsem_grant(s) }
}

inline up_write(s) {
  atomic { assert(s.writer == _pid + 1); s.writer = 0; rwsem_grant(s) }
}

inline mutex_lock(m) {
  atomic {
    if
    :: m.owner == 0 -> m.owner = _pid + 1
    :: else -> assert(m.qlen < NQ); m.qpid[m.qlen] = _pid; m.qlen++; waiting[_pid] = 1
    fi
  };
  waiting[_pid] == 0
}

inline mutex_trylock(m, ok) {
  atomic {
    if
    :: m.owner == 0 -> m.owner = _pid + 1; ok = 1
    :: else -> ok = 0
    fi
  }
}

inline mutex_unlock(m) {
  atomic {
    assert(m.owner == _pid + 1);
    if
    :: m.qlen > 0 ->
       m.owner = m.qpid[0] + 1; waiting[m.qpid[0]] = 0;
       gj = 0;
       do
       :: gj + 1 < m.qlen -> m.qpid[gj] = m.qpid[gj + 1]; gj++
       :: else -> break
       od;
       m.qlen--; m.qpid[m.qlen] = 0; gj = 0
    :: else -> m.owner = 0
    fi
  }
}
