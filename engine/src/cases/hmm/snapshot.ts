import { at, dynamicAct, perform, type Op } from '../../core/action.ts';
import { READ, access } from '../../core/object.ts';
import { HmmMirrorGpu, driver_populate_range, gpu_clear, gpu_map, gpu_read } from '../../devices/hmm-mirror.ts';
import type { CoreKernel } from '../../core-kernel.ts';
import { EBUSY } from '../../mm/errno.ts';
import { mmu_notifier_invalidate_range_end, mmu_notifier_invalidate_range_start, mmu_notifier_range_init, type MmuNotifierRange } from '../../mm/notifier_calls.ts';
import { unmap_page_range } from '../../mm/page_table.ts';
import { Hmm, HmmRange } from '../../notifier/hmm.ts';
import { PAGE_SIZE, hex, type VmArea } from '../../mm/vma.ts';
import {
  MmuIntervalNotifier, MmuIntervalTree, mmu_interval_read_begin, mmu_interval_read_retry, mmu_interval_set_seq,
} from '../../notifier/mmu_interval.ts';
import { checkAlive } from '../../sync/lock.ts';
import { mutex_lock, mutex_trylock, mutex_unlock } from '../../sync/mutex.ts';
import { down_read, up_read, type RwsemPolicy } from '../../sync/rwsem.ts';
import { ALL_PARTS, hmmCallbacks } from './invalidate.ts';

/**
 * Scenario D, the snapshot window. The fixed hmm of 2019 still has drivers check `range->valid`, a
 * flag that an invalidation clears and its end sets again. A driver D reads the CPU page table for its
 * range (under mmap_sem for read), then takes its mutex and checks the flag before it programs its GPU.
 * If a whole invalidation runs between the read and the check, the flag is true again, and the GPU
 * maps a page the CPU no longer maps. The invalidation here is page reclaim (K: try_to_unmap_one,
 * which holds no mmap_sem, so D's read lock does not keep it out). The commit that let hmm_range work
 * with interval notifiers ("mm/hmm: allow hmm_range to be used with a mmu_interval_notifier or
 * hmm_mirror", Jason Gunthorpe, 2019) draws this race; from v5.5 drivers use the interval notifier's
 * sequence count instead, and the check sees the invalidation even after it has ended.
 *
 * - `'valid-window'`: the fixed hmm (5a136b4ae327) and the driver loop of Documentation/vm/hmm.rst of
 *   v5.2 (`driver_populate_range`): a violation, the GPU reads a page reclaim has unmapped.
 * - `'seq-retry'`: the v5.5 scheme (notifier/mmu_interval.ts) and the driver loop of its hmm.rst: ok.
 *
 * Simplified: reclaim's rmap walk, the page lock and the freeing of the page are left out (the page
 * is "freed" when its last mapping goes); one page; the GPU's read after the loop stands for the
 * device using its mapping.
 */
export type SnapshotVariant = 'valid-window' | 'seq-retry';

export const isSnapshotVariant = (v: string): v is SnapshotVariant => v === 'valid-window' || v === 'seq-retry';

/** Where the driver's page is. */
const PAGE = 0x10000;

/** K: reclaim takes the page away from the CPU page table, with a blockable invalidation around it. */
function* try_to_unmap_one(vma: VmArea, address: number): Op<void> {
  const range = mmu_notifier_range_init(vma.vm_mm, address, address + PAGE_SIZE);
  yield* at('K.start', mmu_notifier_invalidate_range_start(range));
  yield* at('K.clear', unmap_page_range(vma, address, PAGE_SIZE));
  yield* at('K.end', mmu_notifier_invalidate_range_end(range));
}

/** v5.5's `hmm_range_fault(range, HMM_RANGE_SNAPSHOT)`: -EBUSY if the interval's seq has moved, else the present pages. */
function* hmm_range_fault(sub: MmuIntervalNotifier, seq: number): Op<number[] | number> {
  const pgd = sub.tree.mm.pgd;
  return yield* perform(
    dynamicAct('hmm_range_fault', sub, false, () => [access(sub, READ), ...pgd.footprint(sub.start, sub.end, READ)], (t) => {
      if (sub.invalidate_seq !== seq) {
        sub.world.note(() => `${sub.name} was invalidated since seq ${seq}: -EBUSY`);
        return -EBUSY;
      }
      pgd.walk(t, 'hmm_range_fault');
      checkAlive(sub.tree.mm, t, 'hmm_range_fault');
      const pages: number[] = [];
      for (let p = sub.start; p < sub.end; p += PAGE_SIZE) if (pgd.present(p)) pages.push(p);
      sub.world.note(() => pages.length ? `${sub.name} maps ${pages.map(hex).join(', ')}` : `${sub.name} maps nothing`);
      return pages;
    }),
  );
}

/** D from v5.5: read_begin, snapshot under mmap_sem, then under the GPU's mutex program it unless the seq moved. */
function* gpu_populate_range(gpu: HmmMirrorGpu, sub: MmuIntervalNotifier): Op<void> {
  const mm = sub.tree.mm;
  for (;;) {
    const seq = yield* at('seq.begin', mmu_interval_read_begin(sub));
    yield* at('seq.mmap_sem', down_read(mm.mmap_lock));
    const pages = yield* at('seq.fault', hmm_range_fault(sub, seq));
    yield* at('seq.up', up_read(mm.mmap_lock));
    if (typeof pages === 'number') continue;
    yield* at('seq.lock', mutex_lock(gpu.mutex));
    if (yield* at('seq.retry', mmu_interval_read_retry(sub, seq))) {
      yield* at('seq.retry_unlock', mutex_unlock(gpu.mutex));
      continue;
    }
    yield* at('seq.map', gpu_map(gpu, pages));
    yield* at('seq.unlock', mutex_unlock(gpu.mutex));
    return;
  }
}

/** The GPU's ->invalidate (v5.5): under its mutex, record the seq, then clear its entries. */
function* gpu_invalidate(gpu: HmmMirrorGpu, sub: MmuIntervalNotifier, range: MmuNotifierRange, cur_seq: number): Op<boolean> {
  if (range.blockable) yield* at('inv.lock', mutex_lock(gpu.mutex));
  else if (!(yield* at('inv.trylock', mutex_trylock(gpu.mutex)))) return false;
  yield* at('inv.set_seq', mmu_interval_set_seq(sub, cur_seq));
  yield* at('inv.clear', gpu_clear(gpu, range.start, range.end));
  yield* at('inv.unlock', mutex_unlock(gpu.mutex));
  return true;
}

/** Builds scenario D for `variant` in `k`. */
export function snapshotWindow(k: CoreKernel, variant: SnapshotVariant, policy: RwsemPolicy): void {
  const mm = k.mm('M', { lock: 'mmap_sem', policy });
  const vma = mm.addVma(PAGE, PAGE_SIZE, { populated: true });
  const gpu = k.object((w) => new HmmMirrorGpu(w, 'gpu'));
  const reclaimCode = ['try_to_unmap_one'];
  if (variant === 'valid-window') {
    const hmm = k.object((w) => new Hmm(w, 'hmm', mm, { variant: 'fixed', mirrors: { 'gpu.mirror': gpu.ops }, policy, callbacks: hmmCallbacks('fixed', ALL_PARTS) }));
    gpu.attach(hmm.mirrors[0]!);
    const range = k.object((w) => new HmmRange(w, 'range'));
    k.thread('D', function* () {
      yield* driver_populate_range(gpu, range, PAGE, PAGE + PAGE_SIZE);
      yield* gpu_read(gpu, PAGE);
    }, { code: ['gpu_populate_range', 'gpu_read'], role: 'GPU driver' });
    reclaimCode.push('hmm_invalidate_range_start', 'hmm_invalidate_range_end', 'notifiers_decrement', 'gpu_sync_cpu_device_pagetables');
  } else {
    const tree = k.object((w) => new MmuIntervalTree(w, mm));
    const sub: MmuIntervalNotifier = k.object((w) => new MmuIntervalNotifier(w, 'gpu.notifier', tree, PAGE, PAGE + PAGE_SIZE, {
      invalidate: (s, range, cur_seq) => gpu_invalidate(gpu, s, range, cur_seq),
    }));
    gpu.attachInterval(tree);
    k.thread('D', function* () {
      yield* gpu_populate_range(gpu, sub);
      yield* gpu_read(gpu, PAGE);
    }, { code: ['gpu_populate_range', 'mmu_interval_read_begin', 'gpu_read'], role: 'GPU driver' });
    reclaimCode.push('gpu_invalidate');
  }
  k.thread('K', function* () {
    yield* try_to_unmap_one(vma, PAGE);
  }, { code: reclaimCode, role: 'page reclaim' });
}
