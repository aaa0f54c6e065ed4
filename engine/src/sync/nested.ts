import type { Op } from '../core/action.ts';
import { currentThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { Lock } from './lock.ts';
import { mutex_lock, type Mutex } from './mutex.ts';
import { down_read, down_write, type RwSemaphore } from './rwsem.ts';
import { spin_lock, type Spinlock } from './spinlock.ts';

/**
 * Lockdep's nesting annotations (include/linux/lockdep.h): taking a lock with subclass n > 0 makes
 * lockdep treat it as the class `class/n`, a class of its own, so that two locks of one class taken
 * in a fixed nesting (a parent inode's lock, then a child's) are not reported as recursive. Subclass 0
 * is the plain lock. The annotation changes nothing at run time: the lock is taken as without it.
 */

/** Lockdep keeps at most 8 subclasses per class (`MAX_LOCKDEP_SUBCLASSES`). */
export const MAX_LOCKDEP_SUBCLASSES = 8;
/** The usual subclass for "a second lock of this class, nested in the first". */
export const SINGLE_DEPTH_NESTING = 1;

function* nested<T>(lock: Lock, subclass: number, op: Op<T>): Op<T> {
  const t = currentThread();
  if (!Number.isInteger(subclass) || subclass < 0 || subclass >= MAX_LOCKDEP_SUBCLASSES) {
    // lockdep's look_up_lock_class: "BUG: looking up invalid subclass", and lockdep turns itself off.
    throw new Violation('lockdep-subclass', `BUG: looking up invalid subclass: ${t.name} takes ${lock.name} with subclass ${String(subclass)} (lockdep allows 0 to ${MAX_LOCKDEP_SUBCLASSES - 1})`);
  }
  t.nesting = { lock, subclass };
  try {
    return yield* op;
  } finally {
    t.nesting = null;
  }
}

export function mutex_lock_nested(m: Mutex, subclass: number): Op<void> {
  return nested(m, subclass, mutex_lock(m));
}

export function down_read_nested(sem: RwSemaphore, subclass: number): Op<void> {
  return nested(sem, subclass, down_read(sem));
}

export function down_write_nested(sem: RwSemaphore, subclass: number): Op<void> {
  return nested(sem, subclass, down_write(sem));
}

export function spin_lock_nested(l: Spinlock, subclass: number): Op<void> {
  return nested(l, subclass, spin_lock(l));
}
