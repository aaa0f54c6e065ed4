/**
 * mm_users and mm_count, in a toy model for the primer (the cases use the engine's own mm model).
 * An mm is two refcounts and the address space they protect:
 *
 * - mm_users keeps the address space (VMAs, page tables). When it drops to zero, exit_mmap tears
 *   the address space down, and the users' shared mm_count reference is dropped.
 * - mm_count keeps the struct mm_struct itself. When it drops to zero, the struct is freed, and
 *   with it both counters.
 */
import {
  scenario, kfree, atomic_read, refcount_dec_and_test, refcount_inc, refcount_inc_not_zero,
  type Atomic, type Kernel, type KObject, type Op, type Refcount, type Scenario,
} from '@interleave/engine';

interface Mm {
  users: Refcount;
  count: Refcount;
  /** Stands for the VMAs and page tables. */
  space: Atomic;
}

function newMm(k: Kernel, users: number, count: number): Mm {
  return { users: k.refcount('mm_users', users), count: k.refcount('mm_count', count), space: k.atomic('address space', 0) };
}

function* mmdrop(mm: Mm): Op<void> {
  if (yield* refcount_dec_and_test(mm.count)) {
    for (const part of [mm.users, mm.count] as KObject[]) yield* kfree(part); // __mmdrop: the struct is gone
  }
}

function* mmput(mm: Mm): Op<void> {
  if (yield* refcount_dec_and_test(mm.users)) {
    yield* kfree(mm.space); // exit_mmap: unmap and free the VMAs and page tables
    yield* mmdrop(mm); // the reference all users shared
  }
}

const mmget_not_zero = (mm: Mm) => refcount_inc_not_zero(mm.users);
const mmget = (mm: Mm) => refcount_inc(mm.users);

/**
 * The process exits (drops the last mm_users) while a driver thread wants to use its address
 * space. `pin` is how the driver kept the mm since it was bound to it.
 */
function exitRace(pin: 'mm_count' | 'nothing', get: 'mmget_not_zero' | 'mmget'): Scenario {
  return scenario(`driver pins ${pin}, then calls ${get}`, (k) => {
    const mm = newMm(k, 1, pin === 'mm_count' ? 2 : 1);
    k.thread('exit', function* () {
      yield* mmput(mm); // exit_mm: the process's own mm_users reference
    });
    k.thread('driver', function* () {
      if (get === 'mmget') yield* mmget(mm);
      else if (!(yield* mmget_not_zero(mm))) {
        // The address space is gone or going: give up (the device sees a fault it must handle).
        if (pin === 'mm_count') yield* mmdrop(mm);
        return;
      }
      yield* atomic_read(mm.space); // use the address space
      yield* mmput(mm);
      if (pin === 'mm_count') yield* mmdrop(mm);
    });
  });
}

export const pinCount = exitRace('mm_count', 'mmget_not_zero');
export const pinNothing = exitRace('nothing', 'mmget_not_zero');
export const plainGet = exitRace('mm_count', 'mmget');
