import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import { WARN_ON } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { assertBuilding } from '../mm/build.ts';
import { hex } from '../mm/vma.ts';
import { EAGAIN, EFAULT, EINVAL } from '../mm/errno.ts';
import { mmdrop, mmget_not_zero, mmput, type MmStruct } from '../mm/mm_struct.ts';
import type { MmuNotifierRange } from '../mm/notifier_calls.ts';
import { Mutex, mutex_lock, mutex_trylock, mutex_unlock } from '../sync/mutex.ts';
import { Refcount, kref_get, kref_get_unless_zero, kref_put } from '../sync/refcount.ts';
import { RwSemaphore, down_read, down_read_trylock, down_write, up_read, up_write, type RwsemPolicy } from '../sync/rwsem.ts';
import { kfree } from '../sync/slab.ts';
import { Spinlock, spin_lock_irqsave, spin_unlock_irqrestore } from '../sync/spinlock.ts';
import { WaitQueue, wait_event, wake_up_all } from '../sync/waitqueue.ts';
import { MmuNotifier, mmu_notifier_unregister_no_release } from './mmu_notifier.ts';

/**
 * HMM (mm/hmm.c, v5.2–v5.3): a device driver mirrors a process's page tables into its own. There is
 * one `struct hmm` per mm, an mmu notifier subscriber. A driver registers a range and waits until it
 * is valid (no invalidation in progress) before it reads the CPU page tables for it; the `notifiers`
 * count says how many invalidations are in progress; each mirror (a driver) invalidates its device's
 * own page table in `sync_cpu_device_pagetables`.
 *
 * Two versions, for the hmm case: `'buggy'` is the code before "mm/hmm: Fix error flows in
 * hmm_invalidate_range_start" (5a136b4ae327, Jason Gunthorpe, 2019), where the ranges lock is a mutex,
 * a failed trylock of `mirrors_sem` returns -EAGAIN with `notifiers` still raised, and an -EAGAIN from
 * `sync_cpu_device_pagetables` is lost to a shadowed `ret`. `'fixed'` is the code after it: the lock
 * is a spinlock (`ranges_lock`) and every error path undoes the count (`notifiers_decrement`).
 */

/** `struct hmm_update`: the invalidation a mirror is told about. */
export interface HmmUpdate {
  start: number;
  end: number;
  blockable: boolean;
}

/** `struct hmm_mirror_ops`: what a driver implements. */
export interface HmmMirrorOps {
  /** Invalidate [start, end) in the device's page table: 0, or -EAGAIN if that would sleep and `update.blockable` is false. */
  sync_cpu_device_pagetables(mirror: HmmMirror, update: HmmUpdate): Op<number>;
  /** The mm is going away. */
  release?(mirror: HmmMirror): Op<void>;
}

/** A `struct hmm_mirror`: one driver mirroring the mm. */
export class HmmMirror extends KObject {
  /** Its snapshot shows whether it is on the hmm's list. */
  override statesShown(): readonly KObject[] {
    return [this.hmm];
  }
  readonly kind = 'hmm_mirror';
  readonly hmm: Hmm;
  readonly ops: HmmMirrorOps;

  constructor(world: World, name: string, hmm: Hmm, ops: HmmMirrorOps) {
    super(world, name);
    this.hmm = hmm;
    this.ops = ops;
  }

  snapshot(): ObjectState {
    const on = this.hmm.mirrors.includes(this);
    return { name: this.name, kind: this.kind, hmm: this.hmm.name, registered: on, summary: on ? `mirrors ${this.hmm.mm.name}` : 'unregistered' };
  }
}

/** A `struct hmm_range`: a driver's view of [start, end); `valid` is false while an invalidation is in progress. */
export class HmmRange extends KObject {
  readonly kind = 'hmm_range';
  hmm: Hmm | null = null;
  start = 0;
  end = 0;
  private isValid = false;

  /** `range->valid`, as conditions read it. */
  get valid(): boolean {
    this.observe();
    return this.isValid;
  }

  /** Sets `valid` inside a step that declares this range. */
  setValid(valid: boolean): void {
    this.isValid = valid;
  }

  overlaps(start: number, end: number): boolean {
    return start < this.end && this.start < end;
  }

  snapshot(): ObjectState {
    const where = this.hmm ? `[${hex(this.start)}, ${hex(this.end)}) of ${this.hmm.mm.name}` : 'not registered';
    return { name: this.name, kind: this.kind, start: this.start, end: this.end, valid: this.isValid, summary: this.hmm ? `${where}, ${this.isValid ? 'valid' : 'not valid'}` : where };
  }
}

/** The code before 5a136b4ae327 (`'buggy'`) or after it (`'fixed'`). */
export type HmmVariant = 'buggy' | 'fixed';

/** How a `struct hmm` is made. */
export interface HmmOptions {
  /** The code before the fix (the default) or after it. */
  variant?: HmmVariant;
  /** The mirrors registered from the start, by name. */
  mirrors: Record<string, HmmMirrorOps>;
  /** The policy of `mirrors_sem`: `'fifo'` (the default: the rwsem of v5.2) or another of `RWSEM_POLICIES`. */
  policy?: RwsemPolicy;
  /**
   * hmm's invalidate_range_start/end, for a scenario that shows its own code for them (a case whose
   * listing lines their steps must carry). By default the model's own, for `variant`.
   */
  callbacks?: HmmCallbacks;
}

/** Replacements for hmm's mmu notifier callbacks (see `HmmOptions.callbacks`). */
export interface HmmCallbacks {
  invalidate_range_start?(hmm: Hmm, range: MmuNotifierRange): Op<number>;
  invalidate_range_end?(hmm: Hmm, range: MmuNotifierRange): Op<void>;
}

/**
 * A `struct hmm`, set up before the threads run with its mirrors registered: it holds a `mm_count`
 * (`mmgrab` in hmm_get_or_create) and is subscribed to the mm's mmu notifiers, whose callbacks are
 * hmm_release and hmm_invalidate_range_start/end.
 */
export class Hmm extends KObject {
  /** Its snapshot shows whether each range is valid. */
  override statesShown(): readonly KObject[] {
    return this.ranges;
  }
  readonly kind = 'hmm';
  readonly mm: MmStruct;
  readonly variant: HmmVariant;
  /** One reference per mirror and per registered range (plus callbacks in progress). */
  readonly kref: Refcount;
  /** `struct mutex lock` before the fix, `spinlock_t ranges_lock` after it: protects `ranges` and `notifiers`. */
  readonly lock: Mutex | Spinlock;
  readonly ranges: HmmRange[] = [];
  readonly mirrors: HmmMirror[] = [];
  readonly mirrors_sem: RwSemaphore;
  /** Where hmm_range_wait_until_valid sleeps. */
  readonly wq: WaitQueue;
  /** Invalidations in progress. */
  notifiers = 0;
  readonly mmu_notifier: MmuNotifier;

  constructor(world: World, name: string, mm: MmStruct, options: HmmOptions) {
    assertBuilding(`hmm '${name}'`);
    const variant = options.variant ?? 'buggy';
    if (variant !== 'buggy' && variant !== 'fixed') throw new Error(`hmm '${name}': variant must be 'buggy' or 'fixed', got ${JSON.stringify(variant)}`);
    const mirrors = Object.entries(options.mirrors ?? {});
    if (mirrors.length === 0) throw new Error(`hmm '${name}': it needs at least one mirror (options.mirrors)`);
    super(world, name);
    this.mm = mm;
    this.variant = variant;
    this.kref = new Refcount(world, `${name}.kref`, mirrors.length);
    this.lock = variant === 'buggy' ? new Mutex(world, `${name}.lock`) : new Spinlock(world, `${name}.ranges_lock`);
    this.mirrors_sem = new RwSemaphore(world, `${name}.mirrors_sem`, options.policy ? { policy: options.policy } : {});
    this.wq = new WaitQueue(world, `${name}.wq`);
    this.mmu_notifier = new MmuNotifier(world, `${name}.mmu_notifier`, {
      release: () => hmm_release(this),
      invalidate_range_start: (_sub, range) => (options.callbacks?.invalidate_range_start ?? hmm_invalidate_range_start)(this, range),
      invalidate_range_end: (_sub, range) => (options.callbacks?.invalidate_range_end ?? hmm_invalidate_range_end)(this, range),
    }, mm);
    mm.mm_count.init(this, 'mmgrab');
    for (const [n, ops] of mirrors) this.mirrors.push(new HmmMirror(world, n, this, ops));
  }

  snapshot(): ObjectState {
    const valid = this.ranges.map((r) => `${r.name} ${r.valid ? 'valid' : 'not valid'}`);
    const summary = this.freed ? `freed at step ${this.freed.step + 1}` : `notifiers ${this.notifiers}${valid.length ? `; ${valid.join(', ')}` : ''}`;
    return { name: this.name, kind: this.kind, variant: this.variant, notifiers: this.notifiers, ranges: this.ranges.map((r) => r.name), mirrors: this.mirrors.map((m) => m.name), freed: this.freed !== null, summary };
  }
}

/** Takes the ranges lock: `mutex_lock(&hmm->lock)` or `spin_lock_irqsave(&hmm->ranges_lock)`. Returns the irq flags. */
function* lockRanges(hmm: Hmm): Op<number> {
  if (hmm.lock instanceof Mutex) {
    yield* mutex_lock(hmm.lock);
    return 0;
  }
  return yield* spin_lock_irqsave(hmm.lock);
}

function* unlockRanges(hmm: Hmm, flags: number): Op<void> {
  if (hmm.lock instanceof Mutex) yield* mutex_unlock(hmm.lock);
  else yield* spin_unlock_irqrestore(hmm.lock, flags);
}

/** `notifiers++`, and every range that overlaps the update is no longer valid. */
function* raiseNotifiers(hmm: Hmm, update: HmmUpdate): Op<void> {
  const hit = () => hmm.ranges.filter((r) => r.overlaps(update.start, update.end));
  yield* perform(
    dynamicAct('hmm_invalidate_range_start', hmm, false, () => [access(hmm, WRITE), ...hit().map((r) => access(r, WRITE))], () => {
      hmm.notifiers++;
      for (const r of hit()) r.setValid(false);
      hmm.world.note(() => `${hmm.name}.notifiers = ${hmm.notifiers}${hit().length ? `; ${hit().map((r) => r.name).join(', ')} not valid` : ''}`);
    }),
  );
}

/** `notifiers--`; at 0 every range is valid again and the waiters are woken (the caller holds the ranges lock). */
function* lowerNotifiers(hmm: Hmm, op: string): Op<void> {
  const zero = yield* perform(
    dynamicAct(op, hmm, false, () => [access(hmm, WRITE), ...hmm.ranges.map((r) => access(r, WRITE))], () => {
      hmm.notifiers--;
      if (hmm.notifiers === 0) for (const r of hmm.ranges) r.setValid(true);
      hmm.world.note(() => `${hmm.name}.notifiers = ${hmm.notifiers}${hmm.notifiers === 0 && hmm.ranges.length ? '; every range is valid' : ''}`);
      return hmm.notifiers === 0;
    }),
  );
  if (zero) yield* wake_up_all(hmm.wq);
}

/** The fix's helper: lowers `notifiers` under the spinlock, which never sleeps, so error paths can use it. */
function* notifiers_decrement(hmm: Hmm): Op<void> {
  const flags = yield* lockRanges(hmm);
  yield* lowerNotifiers(hmm, 'notifiers_decrement');
  yield* unlockRanges(hmm, flags);
}

/** Drops a reference; the last one frees the hmm. */
export function* hmm_put(hmm: Hmm): Op<void> {
  yield* kref_put(hmm.kref, () => hmm_free(hmm));
}

/** [U] mm/hmm.c's hmm_free and its RCU callback, as a sequence: unsubscribe, drop the mm_count, free. */
function* hmm_free(hmm: Hmm): Op<void> {
  yield* mmu_notifier_unregister_no_release(hmm.mmu_notifier, hmm.mm);
  yield* mmdrop(hmm.mm, hmm);
  yield* kfree(hmm);
}

/** Before the fix. The comments mark the two bugs. */
function* startBuggy(hmm: Hmm, update: HmmUpdate): Op<number> {
  const lock = hmm.lock as Mutex;
  if (update.blockable) yield* mutex_lock(lock);
  else if (!(yield* mutex_trylock(lock))) return -EAGAIN;
  yield* raiseNotifiers(hmm, update);
  yield* mutex_unlock(lock);
  if (update.blockable) yield* down_read(hmm.mirrors_sem);
  else if (!(yield* down_read_trylock(hmm.mirrors_sem))) return -EAGAIN; // bug 1: notifiers stays raised
  for (const mirror of [...hmm.mirrors]) {
    const ret = yield* mirror.ops.sync_cpu_device_pagetables(mirror, update); // bug 2: an inner `int ret`
    if (!update.blockable && ret === -EAGAIN) break; // ... so the -EAGAIN never reaches the caller
  }
  yield* up_read(hmm.mirrors_sem);
  return 0;
}

/** After the fix. */
function* startFixed(hmm: Hmm, update: HmmUpdate): Op<number> {
  const flags = yield* lockRanges(hmm);
  yield* raiseNotifiers(hmm, update);
  yield* unlockRanges(hmm, flags);
  let ret = 0;
  if (update.blockable) yield* down_read(hmm.mirrors_sem);
  else if (!(yield* down_read_trylock(hmm.mirrors_sem))) ret = -EAGAIN;
  if (ret === 0) {
    for (const mirror of [...hmm.mirrors]) {
      const rc = yield* mirror.ops.sync_cpu_device_pagetables(mirror, update);
      if (rc === 0) continue;
      WARN_ON(update.blockable || rc !== -EAGAIN, `${mirror.name}'s sync_cpu_device_pagetables returned ${rc} for a ${update.blockable ? 'blockable' : 'non-blockable'} update`);
      ret = -EAGAIN;
      break;
    }
    yield* up_read(hmm.mirrors_sem);
  }
  if (ret) yield* notifiers_decrement(hmm);
  return ret;
}

/** hmm's ->invalidate_range_start: marks the overlapping ranges not valid and has every mirror invalidate. */
export function* hmm_invalidate_range_start(hmm: Hmm, range: MmuNotifierRange): Op<number> {
  if (!(yield* kref_get_unless_zero(hmm.kref))) return 0;
  const update: HmmUpdate = { start: range.start, end: range.end, blockable: range.blockable };
  const ret = hmm.variant === 'buggy' ? yield* startBuggy(hmm, update) : yield* startFixed(hmm, update);
  yield* hmm_put(hmm);
  return ret;
}

/** hmm's ->invalidate_range_end: lowers `notifiers`; at 0 the ranges are valid again. */
export function* hmm_invalidate_range_end(hmm: Hmm, _range: MmuNotifierRange): Op<void> {
  if (!(yield* kref_get_unless_zero(hmm.kref))) return;
  if (hmm.variant === 'buggy') {
    yield* mutex_lock(hmm.lock as Mutex);
    yield* lowerNotifiers(hmm, 'hmm_invalidate_range_end');
    yield* mutex_unlock(hmm.lock as Mutex);
  } else {
    yield* notifiers_decrement(hmm);
  }
  yield* hmm_put(hmm);
}

/** hmm's ->release (exit_mmap): no range may be registered now; each mirror's ->release runs. */
export function* hmm_release(hmm: Hmm): Op<void> {
  if (!(yield* kref_get_unless_zero(hmm.kref))) return;
  yield* perform(
    act('hmm_release', hmm, READ, () => {
      WARN_ON(hmm.ranges.length > 0, `hmm_release on ${hmm.name} while ${hmm.ranges.map((r) => r.name).join(', ')} ${hmm.ranges.length === 1 ? 'is' : 'are'} registered`);
    }),
  );
  yield* down_read(hmm.mirrors_sem);
  for (const mirror of [...hmm.mirrors]) if (mirror.ops.release) yield* mirror.ops.release(mirror);
  yield* up_read(hmm.mirrors_sem);
  yield* hmm_put(hmm);
}

/**
 * Starts tracking [start, end) for `mirror`'s driver: pins the address space (`mmget_not_zero`, so
 * hmm_release cannot run while a range is registered) and links the range, valid unless an
 * invalidation is in progress. Returns 0, -EINVAL for a bad range or -EFAULT if the mm is gone.
 */
export function* hmm_range_register(range: HmmRange, mirror: HmmMirror, start: number, end: number, page_shift = 12): Op<number> {
  const hmm = mirror.hmm;
  const mask = 2 ** page_shift - 1;
  if (start % (mask + 1) !== 0 || end % (mask + 1) !== 0 || start >= end) return -EINVAL;
  range.start = start;
  range.end = end;
  if (!(yield* mmget_not_zero(hmm.mm, range))) return -EFAULT;
  const flags = yield* lockRanges(hmm);
  yield* kref_get(hmm.kref);
  yield* perform(
    act('hmm_range_register', hmm, WRITE, () => {
      range.hmm = hmm;
      hmm.ranges.push(range);
      range.setValid(hmm.notifiers === 0);
      hmm.world.note(() => hmm.notifiers === 0 ? `${range.name} is valid` : `${range.name} is not valid: ${hmm.notifiers} invalidation${hmm.notifiers === 1 ? '' : 's'} in progress`);
    }, [range]),
  );
  yield* unlockRanges(hmm, flags);
  return 0;
}

/** Stops tracking the range; drops its pin on the address space and on the hmm. */
export function* hmm_range_unregister(range: HmmRange): Op<void> {
  const hmm = range.hmm;
  if (!hmm) throw new Error(`hmm_range_unregister: ${range.name} is not registered`);
  const flags = yield* lockRanges(hmm);
  yield* perform(
    act('hmm_range_unregister', hmm, WRITE, () => {
      hmm.ranges.splice(hmm.ranges.indexOf(range), 1);
      range.setValid(false);
      range.hmm = null;
    }, [range]),
  );
  yield* unlockRanges(hmm, flags);
  yield* mmput(hmm.mm, range);
  yield* hmm_put(hmm);
}

/**
 * Sleeps until no invalidation covers the range. The kernel's wait times out (the driver then
 * retries, forever if the range can never become valid again); here it simply waits, so a range that
 * can never become valid is a thread that never runs again.
 */
export function* hmm_range_wait_until_valid(range: HmmRange): Op<void> {
  const hmm = range.hmm;
  if (!hmm) throw new Error(`hmm_range_wait_until_valid: ${range.name} is not registered`);
  yield* wait_event(hmm.wq, () => range.valid, `${range.name}->valid`);
}

/** Takes the mirror off its hmm (it needs only mirrors_sem for write) and drops its reference. */
export function* hmm_mirror_unregister(mirror: HmmMirror): Op<void> {
  const hmm = mirror.hmm;
  yield* down_write(hmm.mirrors_sem);
  yield* perform(
    act('hmm_mirror_unregister', hmm, WRITE, () => {
      const i = hmm.mirrors.indexOf(mirror);
      if (i < 0) throw new Error(`hmm_mirror_unregister: ${mirror.name} is not registered`);
      hmm.mirrors.splice(i, 1);
    }, [mirror]),
  );
  yield* up_write(hmm.mirrors_sem);
  yield* hmm_put(hmm);
}
