import { act, perform, type Op } from '../core/action.ts';
import { READ, type KObject } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import { checkAlive } from '../sync/lock.ts';
import type { MmStruct } from './mm_struct.ts';
import { hex } from './vma.ts';

/**
 * The calls mm code makes into mmu notifiers: the inline wrappers of `include/linux/mmu_notifier.h`,
 * which do nothing unless the mm has subscriptions. The subscriptions themselves, registration and
 * the callbacks' contract live in `notifier/`, which implements `MmuNotifierHooks` for an mm.
 */

/** What an mm's subscriptions do when mm code calls them (mm/mmu_notifier.c, in notifier/). */
export interface MmuNotifierHooks extends KObject {
  release(mm: MmStruct): Op<void>;
  /** Returns 0, or the last error a subscriber returned. */
  invalidateRangeStart(range: MmuNotifierRange): Op<number>;
  invalidateRangeEnd(range: MmuNotifierRange): Op<void>;
}

/**
 * `struct mmu_notifier_range`: an invalidation of [start, end) of an mm, a local variable of the
 * code that unmaps. It tracks its own start/end pairing, which the wrappers check.
 */
export class MmuNotifierRange {
  readonly mm: MmStruct;
  readonly start: number;
  readonly end: number;
  /** Whether the callbacks may sleep; the non-blocking start clears it. */
  blockable = true;
  /** `'refused'`: a non-blocking start returned -EAGAIN, so no end may follow. */
  state: 'init' | 'started' | 'refused' | 'ended' = 'init';

  constructor(mm: MmStruct, start: number, end: number) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
      throw new Error(`mmu_notifier_range_init: [${start}, ${end}) is not a range of addresses`);
    }
    this.mm = mm;
    this.start = start;
    this.end = end;
  }

  toString(): string {
    return `${this.mm.name} [${hex(this.start)}, ${hex(this.end)})`;
  }
}

/** A new invalidation of [start, end) of `mm`, not started yet. */
export function mmu_notifier_range_init(mm: MmStruct, start: number, end: number): MmuNotifierRange {
  return new MmuNotifierRange(mm, start, end);
}

/** The step of a wrapper: checks the mm, runs `check`, and returns its subscriptions (`mm_has_notifiers`). */
function* subscriptions(op: string, mm: MmStruct, check: (t: KThread) => void = () => {}): Op<MmuNotifierHooks | null> {
  return yield* perform(
    act(op, mm, READ, (t) => {
      checkAlive(mm, t, op);
      check(t);
      const subs = mm.notifier_subscriptions;
      if (!subs) mm.world.note(() => `${mm.name} has no mmu notifiers`);
      return subs;
    }),
  );
}

/** exit_mmap's first act: every subscriber's ->release, then every subscription unlinked. */
export function* mmu_notifier_release(mm: MmStruct): Op<void> {
  const subs = yield* subscriptions('mmu_notifier_release', mm);
  if (subs) yield* subs.release(mm);
}

function checkStart(t: KThread, op: string, range: MmuNotifierRange): void {
  if (range.state === 'started') {
    throw new Violation('mmu-notifier', `${t.name} called ${op} on ${range} again before invalidate_range_end`);
  }
}

/** A blockable invalidation: the callbacks may sleep and may not fail. */
export function* mmu_notifier_invalidate_range_start(range: MmuNotifierRange): Op<void> {
  const op = 'mmu_notifier_invalidate_range_start';
  const subs = yield* subscriptions(op, range.mm, (t) => checkStart(t, op, range));
  range.blockable = true;
  range.state = 'started';
  if (subs) yield* subs.invalidateRangeStart(range);
}

/**
 * A non-blocking invalidation (the OOM reaper's): the callbacks must not sleep and may refuse with
 * -EAGAIN, in which case the caller must not call invalidate_range_end. Returns 0 or -EAGAIN.
 */
export function* mmu_notifier_invalidate_range_start_nonblock(range: MmuNotifierRange): Op<number> {
  const op = 'mmu_notifier_invalidate_range_start_nonblock';
  const subs = yield* subscriptions(op, range.mm, (t) => checkStart(t, op, range));
  range.blockable = false;
  const ret = subs ? yield* subs.invalidateRangeStart(range) : 0;
  range.state = ret === 0 ? 'started' : 'refused';
  return ret;
}

/** Ends an invalidation that started and was not refused. */
export function* mmu_notifier_invalidate_range_end(range: MmuNotifierRange): Op<void> {
  const op = 'mmu_notifier_invalidate_range_end';
  const subs = yield* subscriptions(op, range.mm, (t) => {
    if (range.state === 'refused') {
      throw new Violation('mmu-notifier', `${t.name} called ${op} on ${range} after the non-blocking start returned -EAGAIN: no end may follow a refused start`);
    }
    if (range.state !== 'started') {
      throw new Violation('mmu-notifier', `${t.name} called ${op} on ${range} ${range.state === 'ended' ? 'twice' : 'without a start'}`);
    }
  });
  range.state = 'ended';
  if (subs) yield* subs.invalidateRangeEnd(range);
}
