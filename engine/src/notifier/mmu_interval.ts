import { dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import type { World } from '../core/world.ts';
import { assertBuilding } from '../mm/build.ts';
import { EAGAIN } from '../mm/errno.ts';
import type { MmStruct } from '../mm/mm_struct.ts';
import type { MmuNotifierRange } from '../mm/notifier_calls.ts';
import { hex } from '../mm/vma.ts';
import { WaitQueue, wait_event, wake_up_all } from '../sync/waitqueue.ts';
import { MmuNotifier } from './mmu_notifier.ts';

/**
 * Interval notifiers (mm/mmu_notifier.c from v5.5, "mm/mmu_notifier: add an interval tree notifier",
 * 99cb252f5e68, Jason Gunthorpe): a driver subscribes to a range of addresses, and a sequence count
 * tells it whether an invalidation ran between its read of the CPU page table and its use of it.
 *
 * - The mm's `invalidate_seq` is odd while any invalidation is in progress and even otherwise.
 * - Each interval's own `invalidate_seq` is set by the driver's ->invalidate callback, under the
 *   driver's lock, to the odd value of the invalidation that touches it (`mmu_interval_set_seq`).
 * - `mmu_interval_read_begin` waits until no invalidation touches the interval and returns its seq;
 *   `mmu_interval_read_retry`, under the driver's lock, says whether it changed since (a collision).
 *
 * Simplified: the interval tree is a list; each section under the tree's spinlock is one step; the
 * tree is hooked in as one mmu notifier subscriber (the kernel calls it from the notifier core ahead
 * of the subscribers); the deferred insert/remove lists are left out (intervals are made at build).
 */

/** `struct mmu_interval_notifier_ops`. */
export interface MmuIntervalNotifierOps {
  /** Stop using the range: take the driver's lock, `mmu_interval_set_seq(sub, cur_seq)`, clear. False if it would sleep and may not. */
  invalidate(sub: MmuIntervalNotifier, range: MmuNotifierRange, cur_seq: number): Op<boolean>;
}

/** The interval part of an mm's `struct mmu_notifier_subscriptions`. */
export class MmuIntervalTree extends KObject {
  readonly kind = 'mmu_interval_tree';
  readonly mm: MmStruct;
  readonly intervals: MmuIntervalNotifier[] = [];
  /** Where `mmu_interval_read_begin` sleeps. */
  readonly wq: WaitQueue;
  /** How the tree is called from the invalidation paths. */
  readonly notifier: MmuNotifier;
  private seq = 2;
  private active = 0;

  constructor(world: World, mm: MmStruct) {
    assertBuilding(`the interval tree of ${mm.name}`);
    super(world, `${mm.name}.itree`);
    this.mm = mm;
    this.wq = new WaitQueue(world, `${this.name}.wq`);
    this.notifier = new MmuNotifier(world, `${this.name}.notifier`, {
      invalidate_range_start: (_sub, range) => mn_itree_invalidate(this, range),
      invalidate_range_end: () => mn_itree_inv_end(this),
    }, mm);
  }

  /** `subscriptions->invalidate_seq`, as conditions read it: odd while an invalidation is in progress. */
  get invalidate_seq(): number {
    this.observe();
    return this.seq;
  }

  /** Inside a step on the tree: one more invalidation; the first makes the seq odd. Returns it. */
  begin(): number {
    if (this.active++ === 0) this.seq |= 1;
    return this.seq;
  }

  /** Inside a step on the tree: one invalidation less; the last makes the seq even again. Returns whether it was the last. */
  end(): boolean {
    if (--this.active > 0) return false;
    this.seq++;
    return true;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, invalidate_seq: this.seq, active: this.active, summary: `invalidate_seq ${this.seq}${this.seq & 1 ? ' (invalidating)' : ''}` };
  }
}

/** A `struct mmu_interval_notifier`: one driver's subscription to [start, end). */
export class MmuIntervalNotifier extends KObject {
  readonly kind = 'mmu_interval_notifier';
  readonly tree: MmuIntervalTree;
  readonly start: number;
  readonly end: number;
  readonly ops: MmuIntervalNotifierOps;
  private seq: number;

  /** `mmu_interval_notifier_insert`, before the threads run. */
  constructor(world: World, name: string, tree: MmuIntervalTree, start: number, end: number, ops: MmuIntervalNotifierOps) {
    assertBuilding(`mmu_interval_notifier_insert of ${name}`);
    super(world, name);
    this.tree = tree;
    this.start = start;
    this.end = end;
    this.ops = ops;
    // As the kernel starts it: one below the tree's seq, so that it never matches an invalidation.
    this.seq = tree.invalidate_seq - 1;
    tree.intervals.push(this);
  }

  get invalidate_seq(): number {
    this.observe();
    return this.seq;
  }

  /** Inside a step that writes this interval. */
  setSeq(seq: number): void {
    this.seq = seq;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, start: this.start, end: this.end, invalidate_seq: this.seq, summary: `[${hex(this.start)}, ${hex(this.end)}), invalidate_seq ${this.seq}` };
  }
}

/** The tree's part of invalidate_range_start: the seq goes odd, then each overlapping interval's ->invalidate runs. */
function* mn_itree_invalidate(tree: MmuIntervalTree, range: MmuNotifierRange): Op<number> {
  const hit = () => tree.intervals.filter((s) => s.start < range.end && range.start < s.end);
  const cur_seq = yield* perform(
    dynamicAct('mn_itree_inv_start_range', tree, false, () => [access(tree, WRITE), ...hit().map((s) => access(s, READ))], () => {
      const seq = tree.begin();
      tree.world.note(() => `${tree.name}.invalidate_seq = ${seq}: an invalidation of ${range} is in progress`);
      return seq;
    }),
  );
  for (const sub of hit()) {
    if (!(yield* sub.ops.invalidate(sub, range, cur_seq))) {
      yield* mn_itree_inv_end(tree);
      return -EAGAIN;
    }
  }
  return 0;
}

/** The tree's part of invalidate_range_end: after the last invalidation the seq is even again, and readers wake. */
function* mn_itree_inv_end(tree: MmuIntervalTree): Op<void> {
  yield* perform(
    dynamicAct('mn_itree_inv_end', tree, false, () => [access(tree, WRITE)], () => {
      const last = tree.end();
      tree.world.note(() => last ? `${tree.name}.invalidate_seq = ${tree.invalidate_seq}: no invalidation in progress` : 'another invalidation is still in progress');
    }),
  );
  yield* wake_up_all(tree.wq);
}

/** Records the invalidation's seq on the interval (the driver's ->invalidate calls it under its own lock). */
export function* mmu_interval_set_seq(sub: MmuIntervalNotifier, cur_seq: number): Op<void> {
  yield* perform(
    dynamicAct('mmu_interval_set_seq', sub, false, () => [access(sub, WRITE)], () => {
      sub.setSeq(cur_seq);
      sub.world.note(() => `${sub.name}.invalidate_seq = ${cur_seq}`);
    }),
  );
}

/** Waits until no invalidation touches the interval, and returns the seq to check against later. */
export function* mmu_interval_read_begin(sub: MmuIntervalNotifier): Op<number> {
  const tree = sub.tree;
  const { seq, invalidating } = yield* perform(
    dynamicAct('mmu_interval_read_begin', sub, false, () => [access(sub, READ), access(tree, READ)], () => {
      const s = sub.invalidate_seq;
      const busy = s === tree.invalidate_seq;
      sub.world.note(() => `seq ${s}${busy ? ': an invalidation of it is in progress, wait' : ''}`);
      return { seq: s, invalidating: busy };
    }),
  );
  if (invalidating) yield* wait_event(tree.wq, () => tree.invalidate_seq !== seq, `${tree.name}.invalidate_seq != ${seq}`);
  return seq;
}

/** Whether an invalidation touched the interval since `mmu_interval_read_begin` returned `seq` (call under the driver's lock). */
export function* mmu_interval_read_retry(sub: MmuIntervalNotifier, seq: number): Op<boolean> {
  return yield* perform(
    dynamicAct('mmu_interval_read_retry', sub, false, () => [access(sub, READ)], () => {
      const now = sub.invalidate_seq;
      sub.world.note(() => now === seq ? `seq ${seq} unchanged: the snapshot is current` : `seq ${seq} is now ${now}: invalidated since, retry`);
      return now !== seq;
    }),
  );
}
