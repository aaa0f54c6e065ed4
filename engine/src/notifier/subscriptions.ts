import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type Mode, type ObjectState } from '../core/object.ts';
import { currentThread, type KThread } from '../core/thread.ts';
import type { EndFailure, World } from '../core/world.ts';
import type { MmStruct } from '../mm/mm_struct.ts';
import type { MmuNotifierHooks, MmuNotifierRange } from '../mm/notifier_calls.ts';
import { nonBlockEnd, nonBlockStart } from '../sync/context.ts';
import { checkAlive } from '../sync/lock.ts';
import { WaitQueue, wait_event } from '../sync/waitqueue.ts';
import type { MmuNotifier } from './mmu_notifier.ts';

/**
 * `struct mmu_notifier_subscriptions` (`mmu_notifier_mm` before v5.6): an mm's list of mmu notifier
 * subscriptions, and what mm code calls on it (mm/mmu_notifier.c as of v5.2):
 *
 * - `release`: every subscriber's ->release, then every subscription unlinked, so nothing is called
 *   for the unmapping that follows in exit_mmap.
 * - `invalidateRangeStart`: every subscriber's ->invalidate_range_start, carrying on after a failure
 *   and returning the last error. A non-blockable start runs the callbacks in a section where
 *   sleeping is a violation (the kernel's non_block_start, v5.4+ [U: whether v5.2 had it]); a
 *   blockable one may not fail; a non-blockable one may fail only with -EAGAIN. The callers' side of
 *   the pairing (no end after a refused start, an end after every other one) is checked too.
 * - `invalidateRangeEnd`: every subscriber's ->invalidate_range_end; after a non-blockable start it
 *   must not sleep either ("if invalidate_range_start approves a non-blocking behavior then the same
 *   applies to invalidate_range_end").
 *
 * Callbacks run inside an SRCU read section, which unregister waits for (synchronize_srcu).
 * Simplification: the kernel has one SRCU for every mm; here each mm has its own, so a grace period
 * waits only for the callbacks on that mm.
 */
export class MmuNotifierSubscriptions extends KObject implements MmuNotifierHooks {
  readonly kind = 'mmu_notifier_subscriptions';
  readonly mm: MmStruct;
  /** The subscriptions, newest first (as hlist_add_head leaves them). */
  readonly list: MmuNotifier[] = [];
  /** Where synchronize_srcu sleeps. */
  readonly srcu: WaitQueue;
  /** SRCU read sections in progress: id → thread. */
  private readonly sections = new Map<number, KThread>();
  private nextSection = 0;
  /** Invalidations that started (and were not refused) and have not ended yet. */
  private readonly open = new Map<MmuNotifierRange, { thread: string; step: number }>();

  constructor(world: World, mm: MmStruct) {
    super(world, `${mm.name}.notifier_subscriptions`);
    this.mm = mm;
    this.srcu = new WaitQueue(world, `${this.name}.srcu`);
    world.atEnd(() => this.unpaired());
  }

  /** The SRCU read sections in progress (for synchronize_srcu's condition). */
  get readers(): ReadonlySet<number> {
    this.observe();
    return new Set(this.sections.keys());
  }

  /**
   * srcu_read_lock, and the subscriptions to call (each must still exist). `change` runs in the same
   * step on the subscriptions, which it touches in `mode`.
   */
  *srcuReadLock(op: string, mode: Mode = READ, change: (subs: readonly MmuNotifier[]) => void = () => {}): Op<{ id: number; subs: MmuNotifier[] }> {
    return yield* perform(
      dynamicAct(op, this, false, () => [access(this, WRITE), ...this.list.map((s) => access(s, mode))], (t) => {
        checkAlive(this, t, op);
        for (const s of this.list) checkAlive(s, t, op);
        const id = this.nextSection++;
        this.sections.set(id, t);
        const subs = [...this.list];
        change(subs);
        this.world.note(() => subs.length ? `srcu_read_lock; subscribers: ${subs.map((s) => s.name).join(', ')}` : 'srcu_read_lock; no subscribers');
        return { id, subs };
      }),
    );
  }

  /** srcu_read_unlock: ends the read section and wakes synchronize_srcu. */
  *srcuReadUnlock(id: number, change: (t: KThread) => void = () => {}): Op<void> {
    yield* perform(
      act('srcu_read_unlock', this, WRITE, (t) => {
        this.sections.delete(id);
        change(t);
        if (this.srcu.waiters.length > 0) this.srcu.wake();
      }, [this.srcu]),
    );
  }

  /** Unlinks `subs` (hlist_del_init_rcu); a subscription that is not linked stays as it is. */
  *unlink(subs: () => readonly MmuNotifier[]): Op<void> {
    yield* perform(
      dynamicAct('hlist_del_init_rcu', this, false, () => [access(this, WRITE), ...subs().map((s) => access(s, WRITE))], (t) => {
        checkAlive(this, t, 'hlist_del_init_rcu');
        const gone = subs().filter((s) => s.registered);
        for (const s of gone) {
          this.list.splice(this.list.indexOf(s), 1);
          s.registered = false;
        }
        this.world.note(() => gone.length ? `unlinks ${gone.map((s) => s.name).join(', ')}` : 'nothing to unlink');
      }),
    );
  }

  *release(mm: MmStruct): Op<void> {
    const { id, subs } = yield* this.srcuReadLock('__mmu_notifier_release');
    for (const sub of subs) if (sub.ops.release) yield* sub.ops.release(sub, mm);
    yield* this.unlink(() => [...this.list]);
    yield* this.srcuReadUnlock(id);
    yield* synchronize_srcu(this);
  }

  *invalidateRangeStart(range: MmuNotifierRange): Op<number> {
    const { id, subs } = yield* this.srcuReadLock('__mmu_notifier_invalidate_range_start');
    const t = currentThread();
    let ret = 0;
    for (const sub of subs) {
      const start = sub.ops.invalidate_range_start;
      if (!start) continue;
      if (!range.blockable) nonBlockStart(t, `in the non-blockable invalidate_range_start of ${sub.name}`);
      const r = yield* start(sub, range);
      if (!range.blockable) nonBlockEnd(t);
      yield* sub.started(range, r);
      if (r !== 0) ret = r;
    }
    yield* this.srcuReadUnlock(id, (u) => {
      if (ret === 0) this.open.set(range, { thread: u.name, step: this.world.stepIndex });
    });
    return ret;
  }

  *invalidateRangeEnd(range: MmuNotifierRange): Op<void> {
    const { id, subs } = yield* this.srcuReadLock('__mmu_notifier_invalidate_range_end', WRITE, (list) => {
      for (const s of list) s.endInvalidation(range);
    });
    const t = currentThread();
    for (const sub of subs) {
      const end = sub.ops.invalidate_range_end;
      if (!end) continue;
      if (!range.blockable) nonBlockStart(t, `in the invalidate_range_end of ${sub.name} that ends a non-blockable start`);
      yield* end(sub, range);
      if (!range.blockable) nonBlockEnd(t);
    }
    yield* this.srcuReadUnlock(id, () => this.open.delete(range));
  }

  /** At the end of the execution: an invalidation that started and was never ended breaks the pairing. */
  private unpaired(): EndFailure | null {
    const first = this.open.entries().next().value;
    if (!first) return null;
    const [range, at] = first;
    return { verdict: 'violation', message: `${at.thread} started invalidating ${range} at step ${at.step + 1} and never called invalidate_range_end` };
  }

  snapshot(): ObjectState {
    const subscribers = this.list.map((s) => s.name);
    const summary = this.freed ? `freed at step ${this.freed.step + 1}` : `${subscribers.join(', ') || 'no subscribers'}${this.sections.size ? `; ${this.sections.size} SRCU reader${this.sections.size === 1 ? '' : 's'}` : ''}`;
    return { name: this.name, kind: this.kind, subscribers, readers: [...this.sections.values()].map((t) => t.name), freed: this.freed !== null, summary };
  }
}

/** Waits until every SRCU read section that began before it has ended. */
export function* synchronize_srcu(subs: MmuNotifierSubscriptions): Op<void> {
  let before: number[] | null = null;
  yield* wait_event(subs.srcu, () => {
    const now = subs.readers;
    before ??= [...now];
    return before.every((id) => !now.has(id));
  }, 'the SRCU readers that came before it are done');
}

