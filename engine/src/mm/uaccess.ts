import { dynamicAct, perform, settled, type Op } from '../core/action.ts';
import { READ } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import { mightSleep } from '../sync/context.ts';
import { FAULT_FLAG_WRITE, do_page_fault } from './fault.ts';
import type { MmStruct } from './mm_struct.ts';
import { hex } from './vma.ts';
import { current } from './process.ts';

/**
 * The kernel's `might_fault()` at the start of a user copy: unless page faults are disabled, the copy
 * may sleep, and lockdep is told it may take `current->mm`'s mmap_lock for read (might_lock_read) [U:
 * the annotation is from memory of __might_fault, not re-read], so a copy under that lock is reported
 * even when no page faults.
 */
function mightFault(t: KThread, op: string, mm: MmStruct, address: number): void {
  if (t.pagefaultsDisabled > 0) return;
  mightSleep(t, op, hex(address));
  const lock = mm.mmap_lock;
  mm.world.emitLock({ type: 'acquire', lock, lockClass: lock.lockClass, mode: 'read', op: 'might_fault', trylock: false, thread: t, step: mm.world.stepIndex, line: t.line });
}

function* copyUser(op: string, address: number, n: number, flags: number): Op<number> {
  if (!Number.isInteger(address) || address < 0) throw new Error(`${op}: the user address must be an integer ≥ 0, got ${address}`);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${op}: the length must be an integer ≥ 0, got ${n}`);
  const mm = current()?.mm ?? null;
  let first = true;
  for (;;) {
    const r = yield* perform(
      dynamicAct(op, mm?.pgd ?? null, false, () => (mm ? mm.pgd.footprint(address, address + n, READ) : []), (t) => {
        if (!mm) {
          t.world.note(() => `${t.name} has no user address space: nothing copied`);
          return { missing: address, fast: true };
        }
        if (first) mightFault(t, op, mm, address);
        mm.pgd.walk(t, op);
        const missing = mm.pgd.firstMissing(address, address + n);
        const fast = missing !== null && (t.pagefaultsDisabled > 0 || t.preemptCount > 0);
        if (missing === null) mm.world.note(() => `copies ${n} bytes`);
        else if (fast) mm.world.note(() => `${hex(missing)} is not mapped and page faults are disabled: ${address + n - missing} bytes not copied, no lock taken`);
        else mm.world.note(() => `${hex(missing)} is not mapped: page fault`);
        return { missing, fast };
      }),
    );
    first = false;
    if (r.missing === null) return 0;
    if (r.fast || !mm) return address + n - r.missing;
    const fault = yield* do_page_fault(mm, r.missing, flags);
    if (fault !== 'ok') return address + n - r.missing;
  }
}

/**
 * Copies `n` bytes from user address `from` of `current->mm`; returns the bytes not copied (0 on
 * success). A page that is not mapped faults in, taking mmap_lock for read, unless page faults are
 * disabled (pagefault_disable, kmap_atomic, a spinlock): then it returns at once, taking no lock.
 */
export function copy_from_user(from: number, n: number): Op<number> {
  return settled(copyUser('copy_from_user', from, n, 0));
}

/** Copies `n` bytes to user address `to`; as copy_from_user, with a write fault. */
export function copy_to_user(to: number, n: number): Op<number> {
  return settled(copyUser('copy_to_user', to, n, FAULT_FLAG_WRITE));
}
