import { act, at, dynamicAct, perform, type Op } from '../../core/action.ts';
import { KObject, READ, WRITE, access, type ObjectState } from '../../core/object.ts';
import type { World } from '../../core/world.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import { mmu_notifier_invalidate_range_end, mmu_notifier_invalidate_range_start_nonblock, mmu_notifier_range_init } from '../../mm/notifier_calls.ts';
import { unmap_page_range } from '../../mm/page_table.ts';
import { VM_SHARED } from '../../mm/vma.ts';
import { checkAlive } from '../../sync/lock.ts';
import { down_read_trylock, up_read } from '../../sync/rwsem.ts';
import { WaitQueue, wait_event, wake_up, wake_up_all } from '../../sync/waitqueue.ts';

/**
 * The OOM killer's reaper, as the hmm case needs it (mm/oom_kill.c, v5.2), and the OOM kill that wakes
 * it. The reaper is the one caller of the non-blocking mmu notifier start in this era [U that it is the
 * only one]: it must not wait for anybody, because the tasks it would wait for may themselves wait for
 * the memory it is there to free. So it takes mmap_sem with a trylock, starts each invalidation with
 * `mmu_notifier_invalidate_range_start_nonblock`, and when a notifier refuses (-EAGAIN) it skips the
 * VMA and calls no invalidate_range_end; otherwise it unmaps the VMA's pages (which frees them) and
 * ends the invalidation [V: S22 in kernel-semantics.md].
 *
 * Simplified: one victim, whose mm is `mm`, and the reaper handles it once and finishes (the kernel's
 * reaper is a kthread that loops forever, and retries a victim up to MAX_OOM_REAP_RETRIES = 10 times,
 * HZ/10 apart, before it gives up and sets MMF_OOM_SKIP anyway). The reaper's `oom_reaper_lock`
 * around the list is one step; `tlb_gather_mmu`/`tlb_finish_mmu` and MMF_UNSTABLE are left out.
 */

/** `oom_reaper_list`: the victim waiting for the reaper (its mm, here), and the reaper's wait queue. */
export class OomReaperList extends KObject {
  readonly kind = 'oom_reaper_list';
  private victim: MmStruct | null;
  readonly oom_reaper_wait: WaitQueue;

  /** With `victim`, the OOM killer has already chosen it before the threads run. */
  constructor(world: World, victim: MmStruct | null = null) {
    super(world, 'oom_reaper_list');
    this.victim = victim;
    this.oom_reaper_wait = new WaitQueue(world, 'oom_reaper_wait');
  }

  /** Whether a victim waits for the reaper, as conditions read it. */
  get queued(): boolean {
    this.observe();
    return this.victim !== null;
  }

  /** Inside a step: queues the victim's mm. */
  push(mm: MmStruct): void {
    this.victim = mm;
  }

  /** Inside a step: takes the victim off the list. */
  take(): MmStruct | null {
    const mm = this.victim;
    this.victim = null;
    return mm;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, victim: this.victim?.name ?? null, summary: this.victim ? `${this.victim.name}'s owner, waiting for the reaper` : 'empty' };
  }
}

/** The OOM bits of `mm->flags`: MMF_OOM_SKIP, set once the reaper is done with the mm. */
export class MmOomFlags extends KObject {
  readonly kind = 'mm_flags';
  private skip = false;
  /** Where an allocation that is waiting for the OOM killer to free memory waits (see `wait_for_memory`). */
  readonly alloc_wait: WaitQueue;

  constructor(world: World, mm: MmStruct) {
    super(world, `${mm.name}.flags`);
    this.alloc_wait = new WaitQueue(world, 'alloc_wait');
  }

  get MMF_OOM_SKIP(): boolean {
    this.observe();
    return this.skip;
  }

  setSkip(): void {
    this.skip = true;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, MMF_OOM_SKIP: this.skip, summary: this.skip ? 'MMF_OOM_SKIP' : 'MMF_OOM_SKIP clear' };
  }
}

/** What the OOM reaper and the OOM kill work on. */
export interface Oom {
  list: OomReaperList;
  flags: MmOomFlags;
  mm: MmStruct;
}

/**
 * `out_of_memory`, reduced to what matters here: the OOM killer picks the process that owns `mm` and
 * queues it for the reaper (`wake_oom_reaper`), then wakes the reaper.
 */
export function* out_of_memory(oom: Oom): Op<void> {
  yield* perform(
    act('out_of_memory', oom.list, WRITE, () => {
      oom.list.push(oom.mm);
      oom.list.world.note(() => `the OOM killer picks ${oom.mm.name}'s owner and queues it for the reaper (wake_oom_reaper)`);
    }),
  );
  yield* wake_up(oom.list.oom_reaper_wait);
}

/**
 * An allocation that waits until the reaper is done with the victim's mm. Simplified: the kernel's
 * allocator keeps retrying (and the OOM killer picks nobody else while the victim's MMF_OOM_SKIP is
 * clear); here it sleeps until MMF_OOM_SKIP is set, and the reaper wakes it.
 */
export function* wait_for_memory(oom: Oom): Op<void> {
  yield* wait_event(oom.flags.alloc_wait, () => oom.flags.MMF_OOM_SKIP, `MMF_OOM_SKIP is set on ${oom.mm.name}`);
}

/** The reaper's pass over the victim's VMAs (mmap_sem held for read). Returns false if a VMA was skipped. */
export function* __oom_reap_task_mm(mm: MmStruct): Op<boolean> {
  const vmas = yield* at('R.vma', perform(
    dynamicAct('__oom_reap_task_mm', mm, false, () => [access(mm, READ), ...mm.mmap.map((v) => access(v, READ))], (t) => {
      checkAlive(mm, t, '__oom_reap_task_mm');
      for (const v of mm.mmap) checkAlive(v, t, '__oom_reap_task_mm');
      const reap = mm.mmap.filter((v) => !v.vm_file || !(v.vm_flags & VM_SHARED)); // anonymous or private
      mm.world.note(() => reap.length ? `reaps ${reap.map((v) => v.name).join(', ')}` : `${mm.name} has nothing to reap`);
      return reap;
    }),
  ));
  let ret = true;
  for (const vma of vmas) {
    const range = mmu_notifier_range_init(mm, vma.vm_start, vma.vm_end);
    if (yield* at('R.start', mmu_notifier_invalidate_range_start_nonblock(range))) {
      ret = false; // try again later; and no invalidate_range_end
      continue;
    }
    yield* at('R.unmap', unmap_page_range(vma, range.start, range.end - range.start));
    yield* at('R.end', mmu_notifier_invalidate_range_end(range));
  }
  return ret;
}

export function* oom_reap_task_mm(mm: MmStruct): Op<boolean> {
  if (!(yield* at('R.trylock', down_read_trylock(mm.mmap_lock)))) return false;
  const ret = yield* at('R.reap_mm', __oom_reap_task_mm(mm));
  yield* at('R.up_read', up_read(mm.mmap_lock));
  return ret;
}

/** One attempt at the victim (the kernel makes up to 10), then MMF_OOM_SKIP: the OOM killer may move on. */
export function* oom_reap_task(oom: Oom, mm: MmStruct): Op<void> {
  yield* at('R.reap', oom_reap_task_mm(mm));
  yield* at('R.skip', perform(
    act('set_bit', oom.flags, WRITE, () => {
      oom.flags.setSkip();
      oom.flags.world.note(() => `MMF_OOM_SKIP set on ${mm.name}: the reaper is done with it`);
    }),
  ));
  yield* at('R.skip', wake_up_all(oom.flags.alloc_wait));
}

/** The reaper thread, for one victim: waits for it, takes it off the list and reaps it. */
export function* oom_reaper(oom: Oom): Op<void> {
  yield* at('R.wait', wait_event(oom.list.oom_reaper_wait, () => oom.list.queued, 'oom_reaper_list != NULL'));
  const mm = yield* at('R.take', perform(act('oom_reaper', oom.list, WRITE, () => {
    const victim = oom.list.take();
    oom.list.world.note(() => victim ? `takes ${victim.name}'s owner off oom_reaper_list` : 'oom_reaper_list is empty');
    return victim;
  })));
  if (mm) yield* at('R.reap_task', oom_reap_task(oom, mm));
}
