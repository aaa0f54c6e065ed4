import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { ADD, KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import { BUG_ON, Violation } from '../core/violation.ts';
import type { KThread } from '../core/thread.ts';
import type { World } from '../core/world.ts';
import { assertBuilding } from '../mm/build.ts';
import { hex } from '../mm/vma.ts';
import { EAGAIN } from '../mm/errno.ts';
import { mmdrop, type MmStruct } from '../mm/mm_struct.ts';
import type { MmuNotifierRange } from '../mm/notifier_calls.ts';
import { checkAlive } from '../sync/lock.ts';
import { down_write, up_write } from '../sync/rwsem.ts';
import { MmuNotifierSubscriptions, synchronize_srcu } from './subscriptions.ts';

/** `struct mmu_notifier_ops`: what a subscriber (a device that mirrors the CPU page tables) implements. */
export interface MmuNotifierOps {
  /** The mm is going away (exit_mmap) or the subscription is being unregistered: tear down the device's mappings. */
  release?(subscription: MmuNotifier, mm: MmStruct): Op<void>;
  /** Stop using [range.start, range.end): return 0, or -EAGAIN when the range is not blockable and this would have to sleep. */
  invalidate_range_start?(subscription: MmuNotifier, range: MmuNotifierRange): Op<number>;
  /** The pages of the range are gone: the device may map the range again. */
  invalidate_range_end?(subscription: MmuNotifier, range: MmuNotifierRange): Op<void>;
}

interface Invalidation {
  range: MmuNotifierRange;
  thread: string;
  step: number;
}

/**
 * A `struct mmu_notifier`: one subscriber's registration on one mm. Registered, it holds a
 * `mm_count` on the mm (the struct, not the address space) until it is unregistered. Between an
 * invalidate_range_start it accepted and the matching end, its device must not touch the range
 * (`deviceAccess` checks that).
 */
export class MmuNotifier extends KObject {
  readonly kind = 'mmu_notifier';
  readonly ops: MmuNotifierOps;
  /** The mm it was registered on (kept after unregistering, as the kernel keeps `subscription->mm`). */
  mm: MmStruct | null = null;
  /** Linked on the mm's list (the kernel's `!hlist_unhashed`). */
  registered = false;
  /** Ranges it accepted to invalidate whose end has not come. */
  readonly invalidating: Invalidation[] = [];

  /** With `mm`, the subscription is registered before the threads run. */
  constructor(world: World, name: string, ops: MmuNotifierOps, mm?: MmStruct) {
    super(world, name);
    this.ops = ops;
    if (mm) {
      assertBuilding(`the registration of ${name} on ${mm.name}`);
      link(this, mm);
      mm.mm_count.init(this, 'mmu_notifier_register');
    }
  }

  /** The step after its invalidate_range_start returned `ret`: checks the contract, records an acceptance. */
  *started(range: MmuNotifierRange, ret: number): Op<void> {
    yield* perform(
      act('invalidate_range_start', this, WRITE, (t) => {
        checkAlive(this, t, 'invalidate_range_start');
        if (range.blockable && ret !== 0) {
          throw new Violation('mmu-notifier', `${this.name}'s invalidate_range_start returned ${ret} to ${t.name} for a blockable invalidation of ${range}: only a non-blockable start may fail, and only with -EAGAIN`);
        }
        if (ret !== 0 && ret !== -EAGAIN) {
          throw new Violation('mmu-notifier', `${this.name}'s invalidate_range_start returned ${ret} to ${t.name} for ${range}: a non-blockable start returns 0 or -EAGAIN`);
        }
        if (ret === 0) {
          this.invalidating.push({ range, thread: t.name, step: this.world.stepIndex });
          this.world.note(() => `${this.name} returned 0: its device must not touch ${range} until invalidate_range_end`);
        } else {
          this.world.note(() => `${this.name} returned -EAGAIN: it still maps ${range}`);
        }
      }),
    );
  }

  /** Forgets an accepted invalidation of `range` (inside the step that ends it). */
  endInvalidation(range: MmuNotifierRange): void {
    for (let i = this.invalidating.length - 1; i >= 0; i--) if (this.invalidating[i]!.range === range) this.invalidating.splice(i, 1);
  }

  snapshot(): ObjectState {
    const ranges = this.invalidating.map((i) => `${i.range}`);
    const state = this.freed ? `freed at step ${this.freed.step + 1}` : this.registered ? `registered on ${this.mm!.name}` : 'not registered';
    return { name: this.name, kind: this.kind, mm: this.mm?.name ?? null, registered: this.registered, invalidating: ranges, freed: this.freed !== null, summary: ranges.length ? `${state}; invalidating ${ranges.join(', ')}` : state };
  }
}

function subscriptionsOf(mm: MmStruct): MmuNotifierSubscriptions | null {
  return mm.notifier_subscriptions as MmuNotifierSubscriptions | null;
}

/** Adds `sub` at the head of `mm`'s list, making the list on the first registration. */
function link(sub: MmuNotifier, mm: MmStruct): void {
  let subs = subscriptionsOf(mm);
  if (!subs) {
    subs = new MmuNotifierSubscriptions(mm.world, mm);
    mm.notifier_subscriptions = subs;
  }
  subs.list.unshift(sub);
  sub.mm = mm;
  sub.registered = true;
}

/**
 * Registers `sub` on `mm` (v4.x–v5.x): the caller must hold a user of the mm; takes mmap_lock for
 * write, pins the struct (`mmgrab`: registration holds `mm_count`, not `mm_users`) and links the
 * subscription.
 */
export function* mmu_notifier_register(sub: MmuNotifier, mm: MmStruct): Op<void> {
  yield* perform(
    act('mmu_notifier_register', mm.mm_users, READ, (t) => {
      checkAlive(mm.mm_users, t, 'mmu_notifier_register');
      BUG_ON(mm.mm_users.refs.count <= 0, `${t.name} registered ${sub.name} on ${mm.name}, whose mm_users is 0: the caller must hold a user`);
    }),
  );
  yield* down_write(mm.mmap_lock);
  yield* perform(
    dynamicAct('__mmu_notifier_register', sub, false, () => {
      const subs = subscriptionsOf(mm);
      return [access(sub, WRITE), access(mm.mm_count, ADD), subs ? access(subs, WRITE) : access(mm, WRITE)];
    }, (t) => {
      checkAlive(sub, t, '__mmu_notifier_register');
      BUG_ON(sub.registered, `${t.name} registered ${sub.name} twice`);
      mm.mm_count.get(t, sub, 'mmgrab');
      link(sub, mm);
      mm.world.note(() => `mmgrab(${mm.name}); links ${sub.name}`);
    }),
  );
  yield* up_write(mm.mmap_lock);
}

/**
 * Unregisters `sub`: if it is still linked (exit_mmap has not released it), calls its ->release and
 * unlinks it; then waits for callbacks in progress (synchronize_srcu) and drops its `mm_count`. If
 * exit_mmap's release races with it, ->release may run twice, as in the kernel.
 */
export function* mmu_notifier_unregister(sub: MmuNotifier, mm: MmStruct): Op<void> {
  const { subs, linked } = yield* perform(
    dynamicAct('mmu_notifier_unregister', sub, false, () => [access(sub, READ), access(mm.mm_count, READ)], (t) => {
      checkAlive(sub, t, 'mmu_notifier_unregister');
      const subs = subscriptionsOf(mm);
      if (sub.mm !== mm || !subs) throw new Error(`mmu_notifier_unregister: ${sub.name} was never registered on ${mm.name}`);
      BUG_ON(mm.mm_count.refs.count <= 0, `${t.name} unregistered ${sub.name} from ${mm.name}, whose mm_count is 0`);
      mm.world.note(() => sub.registered ? `${sub.name} is still linked: release it` : `${sub.name} was already released and unlinked`);
      return { subs, linked: sub.registered };
    }),
  );
  if (linked) {
    const { id } = yield* subs.srcuReadLock('srcu_read_lock');
    if (sub.ops.release) yield* sub.ops.release(sub, mm);
    yield* subs.srcuReadUnlock(id);
    yield* subs.unlink(() => [sub]);
  }
  yield* synchronize_srcu(subs);
  yield* mmdrop(mm, sub);
}

/** Unlinks `sub` and drops its `mm_count`, without calling ->release or waiting for callbacks. */
export function* mmu_notifier_unregister_no_release(sub: MmuNotifier, mm: MmStruct): Op<void> {
  const subs = subscriptionsOf(mm);
  if (!subs) throw new Error(`mmu_notifier_unregister_no_release: ${sub.name} was never registered on ${mm.name}`);
  yield* subs.unlink(() => [sub]);
  yield* mmdrop(mm, sub);
}

/**
 * The device behind `subscription` (a secondary MMU) touches the page at `address` through its own
 * page table. Between an invalidate_range_start it accepted and the matching end, that breaks the
 * mmu notifier contract: a violation.
 */
export function* deviceAccess(subscription: MmuNotifier, address: number): Op<void> {
  yield* perform(
    act('device_access', subscription, READ, (t) => {
      checkDeviceAccess(subscription, t, address);
      subscription.world.note(() => `${subscription.name}'s device touches ${hex(address)}`);
    }),
  );
}

/**
 * `deviceAccess`'s check, for a device model whose access is part of a larger step (one that also
 * walks the device's own page table, say); that step must declare a read of `subscription`.
 */
export function checkDeviceAccess(subscription: MmuNotifier, t: KThread, address: number): void {
  checkAlive(subscription, t, 'device_access');
  const inv = subscription.invalidating.find((i) => i.range.start <= address && address < i.range.end);
  if (inv) {
    throw new Violation('mmu-notifier', `${t.name} touched ${hex(address)} through ${subscription.name} while ${inv.range} is being invalidated (its invalidate_range_start returned 0 at step ${inv.step + 1}, to ${inv.thread}): a secondary MMU must not touch the range until invalidate_range_end`);
  }
}
