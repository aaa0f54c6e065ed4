import { at, dynamicAct, perform, type Op } from '../../core/action.ts';
import { WRITE, access } from '../../core/object.ts';
import { WARN_ON } from '../../core/violation.ts';
import { EAGAIN } from '../../mm/errno.ts';
import type { MmuNotifierRange } from '../../mm/notifier_calls.ts';
import { hex } from '../../mm/vma.ts';
import { hmm_put, type Hmm, type HmmCallbacks, type HmmUpdate, type HmmVariant } from '../../notifier/hmm.ts';
import { Mutex, mutex_lock, mutex_trylock, mutex_unlock } from '../../sync/mutex.ts';
import { kref_get_unless_zero } from '../../sync/refcount.ts';
import { down_read, down_read_trylock, up_read } from '../../sync/rwsem.ts';
import { Spinlock, spin_lock_irqsave, spin_unlock_irqrestore } from '../../sync/spinlock.ts';
import { wake_up_all } from '../../sync/waitqueue.ts';

/**
 * The subject of the patch: hmm's invalidate_range_start/end before "mm/hmm: Fix error flows in
 * hmm_invalidate_range_start" (buggy) and after it (fixed), step for step as the case's listings show
 * them (each step carries its line). They work on the engine's `Hmm` model (notifier/hmm.ts), which
 * has the same code without listing lines; the case plugs these in through `HmmOptions.callbacks`.
 *
 * Before the fix [V-diff: the `-` lines of the patch]: the ranges lock is a mutex, so the non-blocking
 * path can only trylock it; a failed `down_read_trylock(&hmm->mirrors_sem)` returns -EAGAIN with
 * `notifiers` still raised (bug 1); and an -EAGAIN from a mirror's `sync_cpu_device_pagetables` is
 * assigned to an inner `int ret` that hides the outer one, so the start returns 0 (bug 2). The end
 * takes the mutex, which may sleep even after a non-blocking start.
 * After the fix [V]: the lock is a spinlock (`ranges_lock`), every error path lowers the count again
 * (`notifiers_decrement`), and an -EAGAIN from a mirror reaches the caller.
 */

function updateOf(nrange: MmuNotifierRange): HmmUpdate {
  return { start: nrange.start, end: nrange.end, blockable: nrange.blockable };
}

/** `hmm->notifiers++`, and every overlapping range is no longer valid: one step under the ranges lock. */
function* raise_notifiers(hmm: Hmm, update: HmmUpdate): Op<void> {
  const hit = () => hmm.ranges.filter((r) => r.overlaps(update.start, update.end));
  yield* perform(
    dynamicAct('hmm_invalidate_range_start', hmm, false, () => [access(hmm, WRITE), ...hit().map((r) => access(r, WRITE))], () => {
      hmm.notifiers++;
      const ranges = hit();
      for (const r of ranges) r.setValid(false);
      const what = ranges.length ? `; ${ranges.map((r) => r.name).join(', ')} not valid` : '';
      hmm.world.note(() => `${hmm.name}.notifiers = ${hmm.notifiers}${what} ([${hex(update.start)}, ${hex(update.end)}) is being invalidated)`);
    }),
  );
}

/** `hmm->notifiers--`; at 0 every range is valid again. Returns whether it reached 0 (the caller wakes the waiters). */
function* lower_notifiers(hmm: Hmm, op: string): Op<boolean> {
  return yield* perform(
    dynamicAct(op, hmm, false, () => [access(hmm, WRITE), ...hmm.ranges.map((r) => access(r, WRITE))], () => {
      hmm.notifiers--;
      const zero = hmm.notifiers === 0;
      if (zero) for (const r of hmm.ranges) r.setValid(true);
      hmm.world.note(() => `${hmm.name}.notifiers = ${hmm.notifiers}${zero && hmm.ranges.length ? `; ${hmm.ranges.map((r) => r.name).join(', ')} valid again` : ''}`);
      return zero;
    }),
  );
}

// ---------------------------------------------------------------- before the fix

function* start_buggy(hmm: Hmm, nrange: MmuNotifierRange): Op<number> {
  if (!(yield* at('S.kref', kref_get_unless_zero(hmm.kref)))) return 0;
  const update = updateOf(nrange);
  const lock = hmm.lock as Mutex;
  let ret = 0;
  if (update.blockable) yield* at('S.lock', mutex_lock(lock));
  else if (!(yield* at('S.trylock', mutex_trylock(lock)))) ret = -EAGAIN; // goto out, before the count is raised
  if (ret === 0) {
    yield* at('S.inc', raise_notifiers(hmm, update));
    yield* at('S.unlock', mutex_unlock(lock));
    if (update.blockable) yield* at('S.down_read', down_read(hmm.mirrors_sem));
    else if (!(yield* at('S.trylock_mirrors', down_read_trylock(hmm.mirrors_sem)))) ret = -EAGAIN; // bug 1: goto out with notifiers raised
    if (ret === 0) {
      for (const mirror of [...hmm.mirrors]) {
        const inner = yield* at('S.sync', mirror.ops.sync_cpu_device_pagetables(mirror, update)); // bug 2: `int ret` inside the loop
        if (!update.blockable && inner === -EAGAIN) break; // the outer ret stays 0
      }
      yield* at('S.up_read', up_read(hmm.mirrors_sem));
    }
  }
  yield* at('S.put', hmm_put(hmm));
  return ret;
}

function* end_buggy(hmm: Hmm, _nrange: MmuNotifierRange): Op<void> {
  if (!(yield* at('E.kref', kref_get_unless_zero(hmm.kref)))) return;
  const lock = hmm.lock as Mutex;
  yield* at('E.lock', mutex_lock(lock)); // may sleep, even when the start was non-blockable
  if (yield* at('E.dec', lower_notifiers(hmm, 'hmm_invalidate_range_end'))) yield* at('E.wake', wake_up_all(hmm.wq));
  yield* at('E.unlock', mutex_unlock(lock));
  yield* at('E.put', hmm_put(hmm));
}

// ---------------------------------------------------------------- after the fix

/**
 * The three parts of the fix, each of which an ablation variant leaves out: `unwind` (every error path
 * lowers the count again), `eagain` (a mirror's -EAGAIN reaches the caller instead of the inner `ret`)
 * and `spinlock` (the ranges lock is a spinlock, so the unwind and the end never sleep).
 */
export interface FixParts {
  unwind: boolean;
  eagain: boolean;
  spinlock: boolean;
}

export const ALL_PARTS: FixParts = { unwind: true, eagain: true, spinlock: true };

/** Takes the ranges lock for a blockable caller, or tries to (the mutex when the spinlock part is left out). */
function* lock_ranges(hmm: Hmm, label: string, blockable: boolean): Op<number | null> {
  if (hmm.lock instanceof Spinlock) return yield* at(label, spin_lock_irqsave(hmm.lock));
  if (blockable) {
    yield* at(label, mutex_lock(hmm.lock));
    return 0;
  }
  return (yield* at(label, mutex_trylock(hmm.lock))) ? 0 : null;
}

function* unlock_ranges(hmm: Hmm, label: string, flags: number): Op<void> {
  if (hmm.lock instanceof Spinlock) yield* at(label, spin_unlock_irqrestore(hmm.lock, flags));
  else yield* at(label, mutex_unlock(hmm.lock));
}

/** The fix's helper: lowers the count under the ranges lock (a spinlock, which never sleeps, so error paths can use it). */
export function* notifiers_decrement(hmm: Hmm): Op<void> {
  const flags = (yield* lock_ranges(hmm, 'N.lock', true))!;
  if (yield* at('N.dec', lower_notifiers(hmm, 'notifiers_decrement'))) yield* at('N.wake', wake_up_all(hmm.wq));
  yield* unlock_ranges(hmm, 'N.unlock', flags);
}

function* start_fixed(parts: FixParts, hmm: Hmm, nrange: MmuNotifierRange): Op<number> {
  if (!(yield* at('S.kref', kref_get_unless_zero(hmm.kref)))) return 0;
  const update = updateOf(nrange);
  let ret = 0;
  const flags = yield* lock_ranges(hmm, 'S.lock', update.blockable);
  if (flags === null) ret = -EAGAIN; // only the mutex can fail: goto out, before the count is raised
  else {
    yield* at('S.inc', raise_notifiers(hmm, update));
    yield* unlock_ranges(hmm, 'S.unlock', flags);
    if (update.blockable) yield* at('S.down_read', down_read(hmm.mirrors_sem));
    else if (!(yield* at('S.trylock_mirrors', down_read_trylock(hmm.mirrors_sem)))) ret = -EAGAIN; // goto out
    if (ret === 0) {
      for (const mirror of [...hmm.mirrors]) {
        const rc = yield* at('S.sync', mirror.ops.sync_cpu_device_pagetables(mirror, update));
        if (rc === 0) continue;
        WARN_ON(update.blockable || rc !== -EAGAIN, `${mirror.name}'s sync_cpu_device_pagetables returned ${rc} for a ${update.blockable ? 'blockable' : 'non-blockable'} update`);
        if (parts.eagain) ret = -EAGAIN; // without this part, the -EAGAIN goes to an inner ret and is lost
        break;
      }
      yield* at('S.up_read', up_read(hmm.mirrors_sem));
    }
    if (ret && parts.unwind) yield* at('S.decrement', notifiers_decrement(hmm));
  }
  yield* at('S.put', hmm_put(hmm));
  return ret;
}

function* end_fixed(hmm: Hmm, _nrange: MmuNotifierRange): Op<void> {
  if (!(yield* at('E.kref', kref_get_unless_zero(hmm.kref)))) return;
  yield* at('E.decrement', notifiers_decrement(hmm));
  yield* at('E.put', hmm_put(hmm));
}

/** hmm's callbacks for `variant` (with `parts` of the fix, all by default), with the case's listing lines. */
export function hmmCallbacks(variant: HmmVariant, parts: FixParts = ALL_PARTS): HmmCallbacks {
  return variant === 'buggy'
    ? { invalidate_range_start: start_buggy, invalidate_range_end: end_buggy }
    : { invalidate_range_start: (hmm, nrange) => start_fixed(parts, hmm, nrange), invalidate_range_end: end_fixed };
}
