import { at, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { assertBuilding } from '../mm/build.ts';
import { EAGAIN } from '../mm/errno.ts';
import { PAGE_SIZE, hex } from '../mm/vma.ts';
import type { MmStruct } from '../mm/mm_struct.ts';
import type { MmuIntervalTree } from '../notifier/mmu_interval.ts';
import { checkDeviceAccess, type MmuNotifier } from '../notifier/mmu_notifier.ts';
import { hmm_range_register, hmm_range_unregister, hmm_range_wait_until_valid, type HmmMirror, type HmmMirrorOps, type HmmRange, type HmmUpdate } from '../notifier/hmm.ts';
import { hmm_range_snapshot, hmm_range_valid } from '../notifier/hmm_range.ts';
import { checkAlive } from '../sync/lock.ts';
import { Mutex, mutex_lock, mutex_unlock } from '../sync/mutex.ts';
import { down_read, up_read } from '../sync/rwsem.ts';

/**
 * An HMM mirror device (v5.2): a GPU with its own page table, which mirrors part of a process's
 * address space through hmm. The driver fills the device page table from the CPU page tables with
 * hmm's range API, and hmm tells it to clear entries through `sync_cpu_device_pagetables` whenever
 * the CPU side changes. The device reads memory through its page table only.
 *
 * Modelled here, as reusable device behaviour:
 * - `HmmMirrorGpu`: the device page table (which pages it maps) and the driver's `mutex`, the sleeping
 *   lock that protects it (nouveau's `svmm->mutex`, the `driver->update` lock of hmm.rst);
 * - `gpu_sync_cpu_device_pagetables`, the mirror callback, in the shape nouveau had in v5.2: a
 *   non-blockable update gets -EAGAIN at once, because clearing entries needs the mutex, which may
 *   sleep; a blockable one takes the mutex and clears the entries of the range;
 * - `gpu_read`: the device reads an address through its page table, in one step. An entry that is
 *   gone is a device fault (the driver must mirror the page again; nothing is read). Reading through
 *   an entry while hmm has accepted an invalidation of it breaks the mmu notifier contract (the
 *   notifier model's `checkDeviceAccess`); reading a page the CPU side has already unmapped is a use
 *   of a freed page;
 * - `gpu_mirror_range`: the driver registers a range and waits until it is valid (what the hmm case's
 *   driver thread does); `driver_populate_range`: the whole of the driver's loop from
 *   Documentation/vm/hmm.rst, which then snapshots the CPU page table under mmap_sem and, under the
 *   driver's mutex, checks the range is still valid and programs the device page table.
 *
 * Every operation marks its listing lines with labels (`gpu.*`, `drv.*`); a scenario with a listing
 * must have the labels of the operations it runs (the hmm case's listing has those of
 * `gpu_mirror_range`, `gpu_sync_cpu_device_pagetables` and `gpu_read`).
 *
 * Verified: nouveau's v5.2 callback returns -EAGAIN when `!update->blockable` and otherwise takes
 * `svmm->mutex` (a later patch's `-` lines, found in the stored index); hmm.rst's usage pattern of
 * that era (register, wait until valid, then `again:` down_read(mmap_sem), snapshot, on -EAGAIN
 * up_read, wait and go again, take the driver's update lock, on !hmm_range_valid() drop both locks and
 * go again, update the device page table, unregister, unlock) and its rule that "the driver->update
 * lock is the same lock that the driver takes inside its sync_cpu_device_pagetables() callback" (read
 * from stored diffs of Documentation/vm/hmm.rst). Simplified: the device page table maps the same
 * addresses as the CPU (shared virtual memory); one entry per 4 KiB page; a device access is one
 * read; the snapshot is hmm_range_snapshot (later hmm_range_fault with HMM_RANGE_SNAPSHOT).
 */
export class HmmMirrorGpu extends KObject {
  readonly kind = 'hmm_mirror_device';
  /** The driver's lock on the device page table: a sleeping lock. */
  readonly mutex: Mutex;
  /** The device page table: the pages it maps (by address). */
  private readonly pt = new Set<number>();
  /** Its registration with hmm (set once the hmm is made, at build). */
  mirror: HmmMirror | null = null;
  /** The mmu notifier subscription its reads are checked against, and the mm it mirrors (set at build). */
  private bound: { sub: MmuNotifier; mm: MmStruct } | null = null;

  constructor(world: World, name: string) {
    super(world, name);
    this.mutex = new Mutex(world, `${name}.mutex`);
  }

  /** The mirror callbacks to register with hmm for this device. */
  get ops(): HmmMirrorOps {
    return { sync_cpu_device_pagetables: (_mirror, update) => gpu_sync_cpu_device_pagetables(this, update) };
  }

  /** Ties the device to its mirror (at build, once the hmm has made it). */
  attach(mirror: HmmMirror): void {
    assertBuilding(`${this.name}.attach`);
    this.mirror = mirror;
    this.bound = { sub: mirror.hmm.mmu_notifier, mm: mirror.hmm.mm };
  }

  /** Ties the device to an mm's interval tree instead (v5.5: no hmm_mirror; at build). */
  attachInterval(tree: MmuIntervalTree): void {
    assertBuilding(`${this.name}.attachInterval`);
    this.bound = { sub: tree.notifier, mm: tree.mm };
  }

  /** The subscription and mm its reads go through. */
  get subscription(): { sub: MmuNotifier; mm: MmStruct } {
    if (!this.bound) throw new Error(`${this.name} mirrors no mm: call attach(mirror) or attachInterval(tree) in build(k)`);
    return this.bound;
  }

  /** Pages the device mapped before the threads run (an earlier snapshot, say). */
  populate(pages: readonly number[]): void {
    assertBuilding(`${this.name}.populate`);
    for (const p of pages) this.pt.add(p);
  }

  maps(address: number): boolean {
    this.observe();
    return this.pt.has(address - (address % PAGE_SIZE));
  }

  snapshot(): ObjectState {
    const pages = [...this.pt].sort((a, b) => a - b);
    return { name: this.name, kind: this.kind, maps: pages, summary: pages.length ? `device page table maps ${pages.map(hex).join(', ')}` : 'device page table empty' };
  }

  /** Inside a step: adds entries. */
  setEntries(pages: readonly number[]): void {
    for (const p of pages) this.pt.add(p);
  }

  /** Inside a step: clears the entries of [start, end); returns how many. */
  clearEntries(start: number, end: number): number {
    let n = 0;
    for (const p of [...this.pt]) {
      if (start <= p && p < end) {
        this.pt.delete(p);
        n++;
      }
    }
    return n;
  }
}

function mirrorOf(gpu: HmmMirrorGpu): HmmMirror {
  if (!gpu.mirror) throw new Error(`${gpu.name} has no hmm mirror: call attach(mirror) in build(k)`);
  return gpu.mirror;
}

/** The step that programs or clears device page-table entries; the caller must hold the driver's mutex. */
function* ptStep(op: string, gpu: HmmMirrorGpu, change: () => string): Op<void> {
  yield* perform(
    dynamicAct(op, gpu, false, () => [access(gpu, WRITE)], (t) => {
      checkAlive(gpu, t, op);
      if (!t.holds(gpu.mutex)) throw new Violation('assert', `${t.name} changed ${gpu.name}'s page table in ${op} without holding ${gpu.mutex.name}`);
      gpu.world.note(change());
    }),
  );
}

/**
 * The mirror callback: invalidate [update.start, update.end) in the device page table. It needs the
 * driver's mutex, a sleeping lock, so an update that may not block gets -EAGAIN.
 */
export function* gpu_sync_cpu_device_pagetables(gpu: HmmMirrorGpu, update: HmmUpdate): Op<number> {
  const range = `[${hex(update.start)}, ${hex(update.end)})`;
  if (!update.blockable) {
    return yield* at('gpu.nonblock', perform(
      dynamicAct('sync_cpu_device_pagetables', gpu, false, () => [access(gpu, READ)], (t) => {
        checkAlive(gpu, t, 'sync_cpu_device_pagetables');
        gpu.world.note(() => `${gpu.name} returns -EAGAIN: clearing ${range} needs ${gpu.mutex.name}, which may sleep`);
        return -EAGAIN;
      }),
    ));
  }
  yield* at('gpu.lock', mutex_lock(gpu.mutex));
  yield* at('gpu.clear', gpu_clear(gpu, update.start, update.end));
  yield* at('gpu.unlock', mutex_unlock(gpu.mutex));
  return 0;
}

/** Clears the device page-table entries of [start, end) (the driver holds its mutex). */
export function* gpu_clear(gpu: HmmMirrorGpu, start: number, end: number): Op<void> {
  yield* ptStep('gpu_pt_clear', gpu, () => {
    const n = gpu.clearEntries(start, end);
    return `${gpu.name} clears ${n} entr${n === 1 ? 'y' : 'ies'} in [${hex(start)}, ${hex(end)})`;
  });
}

/** Programs the device page table with `pages` (the driver holds its mutex). */
export function* gpu_map(gpu: HmmMirrorGpu, pages: readonly number[]): Op<void> {
  yield* ptStep('gpu_map', gpu, () => {
    gpu.setEntries(pages);
    return pages.length ? `${gpu.name} maps ${pages.map(hex).join(', ')}` : `${gpu.name} maps nothing`;
  });
}

/**
 * The device reads `address` through its page table: one step, the walk of its page table and the
 * load together (the device cannot be stopped between them; that is what clearing the page table
 * under the driver's mutex is for). Returns false if the entry is gone (a device fault: the driver
 * must mirror the page again). Reading while hmm has accepted an invalidation of the address breaks
 * the mmu notifier contract; reading a page the CPU side has already unmapped uses a freed page.
 */
export function* gpu_read(gpu: HmmMirrorGpu, address: number): Op<boolean> {
  const { sub, mm } = gpu.subscription;
  return yield* at('gpu.access', perform(
    dynamicAct('device_access', sub, false, () => [access(gpu, READ), access(sub, READ), ...mm.pgd.footprint(address, address + 1, READ)], (t) => {
      checkAlive(gpu, t, 'device_access');
      if (!gpu.maps(address)) {
        gpu.world.note(() => `${gpu.name} has no entry for ${hex(address)}: a device fault`);
        return false;
      }
      checkDeviceAccess(sub, t, address);
      if (mm.pgd.freed || mm.pgd.tablesFreed || !mm.pgd.present(address)) {
        throw new Violation('use-after-free', `${t.name} read ${hex(address)} through ${gpu.name}'s page table after the page was unmapped from ${mm.name}: the device uses a page that may already be freed`);
      }
      gpu.world.note(() => `${gpu.name} reads ${hex(address)}`);
      return true;
    }),
  ));
}

/**
 * The driver starts mirroring [start, end) into its GPU: it registers the range and waits until no
 * invalidation covers it (`hmm_range_wait_until_valid`, whose timeout the driver answers by waiting
 * again, so a range that never becomes valid holds it for ever). Returns 0, or hmm_range_register's
 * error.
 */
export function* gpu_mirror_range(gpu: HmmMirrorGpu, range: HmmRange, start: number, end: number): Op<number> {
  const ret = yield* at('drv.register', hmm_range_register(range, mirrorOf(gpu), start, end));
  if (ret) return ret;
  yield* at('drv.wait', hmm_range_wait_until_valid(range));
  return 0;
}

/**
 * The whole of the driver's loop, as hmm.rst shows it for v5.2: `gpu_mirror_range`, then snapshot the
 * CPU page table under mmap_sem, and under the driver's mutex check that the range is still valid and
 * program the device page table, then unregister the range. A snapshot of a range that is not valid
 * waits and goes again; a range invalidated after its snapshot goes again. Returns 0, or
 * hmm_range_register's error.
 */
export function* driver_populate_range(gpu: HmmMirrorGpu, range: HmmRange, start: number, end: number): Op<number> {
  const mm = mirrorOf(gpu).hmm.mm;
  const ret = yield* gpu_mirror_range(gpu, range, start, end);
  if (ret) return ret;
  for (;;) {
    yield* at('drv.mmap_sem', down_read(mm.mmap_lock));
    const pages = yield* at('drv.snapshot', hmm_range_snapshot(range));
    if (typeof pages === 'number') {
      yield* at('drv.retry_snapshot', up_read(mm.mmap_lock));
      yield* at('drv.rewait', hmm_range_wait_until_valid(range));
      continue;
    }
    yield* at('drv.lock', mutex_lock(gpu.mutex));
    if (!(yield* at('drv.valid', hmm_range_valid(range)))) {
      yield* at('drv.retry_unlock', mutex_unlock(gpu.mutex));
      yield* at('drv.retry_up', up_read(mm.mmap_lock));
      continue;
    }
    yield* at('drv.map', gpu_map(gpu, pages));
    yield* at('drv.unregister', hmm_range_unregister(range));
    yield* at('drv.unlock', mutex_unlock(gpu.mutex));
    yield* at('drv.up', up_read(mm.mmap_lock));
    return 0;
  }
}
