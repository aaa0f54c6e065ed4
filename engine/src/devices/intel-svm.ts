import { act, at, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type Access, type ObjectState } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { References, type Holder } from '../checks/leaks.ts';
import { assertBuilding } from '../mm/build.ts';
import type { File, FileOperations } from '../mm/file.ts';
import type { MmStruct } from '../mm/mm_struct.ts';
import type { PageTable } from '../mm/page_table.ts';
import type { Process } from '../mm/process.ts';
import { PAGE_SIZE, hex, type VmArea } from '../mm/vma.ts';
import { MmuNotifier, type MmuNotifierOps } from '../notifier/mmu_notifier.ts';
import { checkAlive } from '../sync/lock.ts';
import { Mutex } from '../sync/mutex.ts';
import { kfree } from '../sync/slab.ts';
import { WaitQueue, wait_event } from '../sync/waitqueue.ts';

/**
 * Intel VT-d shared virtual memory (drivers/iommu/intel-svm.c, v4.4–v4.5), as the intel-svm case
 * needs it. A device tagged with a PASID reaches a process's memory through the IOMMU: the PASID
 * table entry points at the mm's page tables, which the IOMMU walks for the device (ATS
 * translation); the IOMMU caches the entry (PASID cache) and the translations (IOTLB). A page the
 * walk finds missing makes the device send a page request; the IOMMU's page-request thread faults
 * it in on the CPU side and answers SUCCESS or INVALID. A device driver binds the mm to its devices
 * through its device file (an ioctl) and unbinds them in the file's ->release.
 *
 * What is here is the hardware, the driver and the page-request loop, the same in every variant;
 * the code the fix changed (intel_svm_bind_mm, intel_svm_unbind_mm, the notifier's ->release and the
 * mm part of the page-request handler) is in cases/intel-svm, built from these pieces.
 *
 * Simplifications: one IOMMU; its caches are kept per device (VT-d tags their entries with the
 * device's domain, and the flushes name it); the devices' own TLBs (ATS device-TLBs) are not
 * modelled; a translation and the page request that follows a miss are one step, and so are taking
 * the answer and translating again; a device accesses each page of its work buffer once, asking for
 * it with one page request and translating once more on SUCCESS; the driver's ->release tells its
 * devices to stop and waits until they are idle (intel_svm_unbind_mm must not run while a page
 * request is outstanding); the page-request thread stops when every device is idle and its queue is
 * empty, so that every execution ends. The page-request thread, the devices and the delayed-fput
 * worker start asleep (`startAsleep`).
 */

/**
 * Puts `t` to sleep on `wq` before the scenario starts, waiting until `what`: a kernel thread that is
 * idle when the story begins (an IRQ thread before its first interrupt, an idle worker, a device
 * waiting for its driver). Its body must begin with `woken_wait_event` on the same queue. Starting
 * asleep, rather than with a first check that finds the condition false, spares the explorer an
 * interleaving per thread that says only when that first check ran.
 */
export function startAsleep(t: KThread, wq: WaitQueue, what: string): void {
  assertBuilding(`startAsleep(${t.name})`);
  wq.waiters.push({ t, what });
  t.sleep(wq, 'wait_event');
}

/** The rest of a `wait_event` for a thread that is already asleep on `wq` (see `startAsleep`). */
export function* woken_wait_event(wq: WaitQueue, condition: () => boolean, what: string): Op<void> {
  while (!(yield* perform(dynamicAct('wait_event', wq, true, () => wq.footprint(condition), (t) => wq.check(t, condition, what, false))))) {
    // woken, but the condition is still false: asleep again
  }
}

/** A flag some threads wait on and one sets (kept apart from busier objects, so that waiting on it conflicts only with setting it). */
export class Flag extends KObject {
  readonly kind = 'flag';
  private set_ = false;
  private readonly what: string;

  constructor(world: World, name: string, what: string) {
    super(world, name);
    this.what = what;
  }

  get value(): boolean {
    this.observe();
    return this.set_;
  }

  /** Inside a step that declares the flag. */
  raise(): void {
    this.set_ = true;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.set_, summary: this.set_ ? this.what : `not ${this.what}` };
  }
}

/** The answer to a page request: the page group response code. */
export type PageResponse = 'SUCCESS' | 'INVALID' | 'FAILURE';

/** The IOMMU's PASID table: PASID → the pgd a walk for that PASID starts from (the entry is present). */
export class PasidTable extends KObject {
  readonly kind = 'pasid_table';
  readonly entries = new Map<number, PageTable>();

  snapshot(): ObjectState {
    const entries = [...this.entries].map(([p, pgd]) => `${p} → ${pgd.name}`);
    return { name: this.name, kind: this.kind, entries, summary: entries.length ? `present: ${entries.join(', ')}` : 'no entry present' };
  }
}

/** The IDR of bound PASIDs: PASID → its `struct intel_svm`. */
export class PasidIdr extends KObject {
  readonly kind = 'idr';
  readonly map = new Map<number, IntelSvm>();
  /** The next PASID idr_alloc hands out (PASID 0 is not used). */
  next = 1;

  snapshot(): ObjectState {
    const ids = [...this.map].map(([p, s]) => `${p} → ${s.name}`);
    return { name: this.name, kind: this.kind, ids, summary: ids.length ? ids.join(', ') : 'empty' };
  }
}

/**
 * The IOMMU's translation caches for one device's domain (VT-d tags entries with the domain id,
 * `sdev->did`, and the flushes name it): the PASID cache (PASID → the pgd its table entry held when
 * it was read) and the IOTLB (translations by PASID and page). Until a flush, a cached PASID entry
 * is used even if the table entry has been cleared since.
 */
export class Iotlb extends KObject {
  readonly kind = 'iotlb';
  readonly pasidCache = new Map<number, PageTable>();
  readonly tlb = new Set<string>();

  snapshot(): ObjectState {
    const pasids = [...this.pasidCache].map(([p, pgd]) => `${p} → ${pgd.name}`);
    const tlb = [...this.tlb];
    const parts = [pasids.length ? `PASID cache ${pasids.join(', ')}` : '', tlb.length ? `IOTLB ${tlb.join(', ')}` : ''].filter(Boolean);
    return { name: this.name, kind: this.kind, pasidCache: pasids, tlb, summary: parts.length ? parts.join('; ') : 'empty' };
  }
}

/** A page request descriptor: a device asks for the page at `address` of PASID `pasid`. */
export interface PageRequest {
  pasid: number;
  address: number;
  write: boolean;
  dev: SvmDevice;
}

/**
 * The page request queue: a ring the IOMMU fills and its page-request thread empties (a descriptor
 * stays until the thread has answered it and moved the head past it), and the interrupt the thread
 * waits for.
 */
export class PageRequestQueue extends KObject {
  readonly kind = 'prq';
  readonly ring: PageRequest[] = [];
  readonly irq: WaitQueue;
  /** Set when the model's page-request thread has stopped. */
  readonly stopped: Flag;

  constructor(world: World, name: string) {
    super(world, name);
    this.irq = new WaitQueue(world, `${name}.irq`);
    this.stopped = new Flag(world, `${name}.stopped`, 'stopped');
  }

  /** Descriptors not answered yet (for conditions). */
  get pending(): number {
    this.observe();
    return this.ring.length;
  }

  snapshot(): ObjectState {
    const reqs = this.ring.map((r) => `${r.dev.name} ${hex(r.address)} (PASID ${r.pasid})`);
    return { name: this.name, kind: this.kind, requests: reqs, summary: reqs.length ? `requests: ${reqs.join(', ')}` : 'empty' };
  }
}

/** One IOMMU (a DMAR unit): its PASID table and IDR, its caches, its page request queue, and `pasid_mutex`. */
export class IntelIommu {
  readonly name: string;
  readonly pasid_table: PasidTable;
  readonly pasid_idr: PasidIdr;
  readonly prq: PageRequestQueue;
  readonly pasid_mutex: Mutex;
  /** The devices behind it, and the `struct intel_svm`s a bind may allocate. */
  readonly devices: SvmDevice[] = [];
  readonly svms: IntelSvm[] = [];

  constructor(world: World, name = 'dmar0') {
    assertBuilding(`the IOMMU ${name}`);
    this.name = name;
    this.pasid_table = new PasidTable(world, `${name}.pasid_table`);
    this.pasid_idr = new PasidIdr(world, `${name}.pasid_idr`);
    this.prq = new PageRequestQueue(world, `${name}.prq`);
    this.pasid_mutex = new Mutex(world, 'pasid_mutex');
  }
}

/** `struct intel_svm_dev`: one device's use of a PASID. */
export interface Sdev {
  dev: SvmDevice;
  users: number;
}

const svmOfNotifier = new WeakMap<MmuNotifier, IntelSvm>();

/**
 * `struct intel_svm`: a PASID bound to an mm, with the devices that use it (`devs`) and the mmu
 * notifier embedded in it. Made before the threads run and allocated by a bind (`kzalloc`). Device
 * files that hold a binding hold a `private_data` reference to it, for the leak finder.
 */
export class IntelSvm extends KObject {
  readonly kind = 'intel_svm';
  readonly iommu: IntelIommu;
  readonly notifier: MmuNotifier;
  /** The files whose bindings keep it. */
  readonly refs: References;
  /** It holds its notifier (the kernel embeds it), so the notifier's mm_count is followed through it. */
  private readonly embedded: References;
  allocated = false;
  pasid = -1;
  mm: MmStruct | null = null;
  readonly devs: Sdev[] = [];
  /** How many times the notifier's ->release ran (it must run once). */
  releases = 0;

  constructor(world: World, name: string, iommu: IntelIommu, ops: MmuNotifierOps) {
    assertBuilding(`the intel_svm ${name}`);
    super(world, name);
    this.iommu = iommu;
    this.notifier = new MmuNotifier(world, `${name}.notifier`, ops);
    svmOfNotifier.set(this.notifier, this);
    this.refs = new References(this, 'private_data');
    this.embedded = new References(this.notifier, 'embedded');
    iommu.svms.push(this);
  }

  /** Inside the step that allocates it. */
  allocate(t: KThread, pasid: number, mm: MmStruct): void {
    this.allocated = true;
    this.pasid = pasid;
    this.mm = mm;
    this.embedded.take(this, 'kzalloc', t);
  }

  snapshot(): ObjectState {
    const devs = this.devs.map((s) => s.dev.name);
    const state = this.freed
      ? `freed at step ${this.freed.step + 1}`
      : !this.allocated
        ? 'not allocated'
        : `PASID ${this.pasid} bound to ${this.mm?.name ?? 'init_mm'}; devices: ${devs.join(', ') || 'none'}`;
    return { name: this.name, kind: this.kind, pasid: this.pasid, mm: this.mm?.name ?? null, devs, releases: this.releases, freed: this.freed !== null, summary: `${state}; ->release ran ${this.releases}×` };
  }
}

/** `container_of(mn, struct intel_svm, notifier)`. */
export function svmOfSubscription(mn: MmuNotifier): IntelSvm {
  const svm = svmOfNotifier.get(mn);
  if (!svm) throw new Error(`${mn.name} is not the notifier of an intel_svm`);
  return svm;
}

/** The device's answer register: the page group response to its outstanding page request. */
export class PageResponseRegister extends KObject {
  readonly kind = 'prg_response';
  private answer: PageResponse | null = null;
  /** Where the device waits for the answer. */
  readonly wq: WaitQueue;

  constructor(world: World, name: string) {
    super(world, name);
    this.wq = new WaitQueue(world, `${name}.wq`);
  }

  get value(): PageResponse | null {
    this.observe();
    return this.answer;
  }

  set(value: PageResponse | null): void {
    this.answer = value;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.answer, summary: this.answer ?? 'none' };
  }
}

/** What became of one DMA access. */
export type DmaOutcome = 'done' | 'page requested' | 'PASID not present' | 'INVALID' | 'FAILURE' | 'not present after SUCCESS' | 'stopped';

/** The device's record of its accesses (only its own DMA touches it). */
export class DmaLog extends KObject {
  readonly kind = 'dma_log';
  readonly outcomes = new Map<number, DmaOutcome>();

  snapshot(): ObjectState {
    const out = [...this.outcomes].map(([a, o]) => `${hex(a)} ${o}`);
    return { name: this.name, kind: this.kind, outcomes: Object.fromEntries([...this.outcomes].map(([a, o]) => [hex(a), o])), summary: out.join('; ') || 'no access yet' };
  }
}

/**
 * A PCI device that does DMA through a PASID (an accelerator function with ATS and PRI). The driver
 * programs the PASID into it and may tell it to stop; it reports when it is idle.
 */
export class SvmDevice extends KObject {
  readonly kind = 'svm_device';
  readonly iommu: IntelIommu;
  /** Woken when it is programmed, and when it goes idle. */
  readonly wq: WaitQueue;
  readonly response: PageResponseRegister;
  readonly log: DmaLog;
  /** The IOMMU's PASID-cache and IOTLB entries for this device's domain. */
  readonly iotlb: Iotlb;
  /** Set when it has finished (or stopped) its work. */
  readonly idle: Flag;
  private programmed: number | null = null;
  private stopping = false;

  constructor(world: World, name: string, iommu: IntelIommu) {
    assertBuilding(`the device ${name}`);
    super(world, name);
    this.iommu = iommu;
    this.wq = new WaitQueue(world, `${name}.wq`);
    this.response = new PageResponseRegister(world, `${name}.prg_response`);
    this.log = new DmaLog(world, `${name}.log`);
    this.idle = new Flag(world, `${name}.idle`, 'idle');
    this.iotlb = new Iotlb(world, `${iommu.name}.iotlb.${name}`);
    iommu.devices.push(this);
  }

  /** The PASID the driver programmed, or null (for conditions and steps). */
  get pasid(): number | null {
    this.observe();
    return this.programmed;
  }

  get stopRequested(): boolean {
    this.observe();
    return this.stopping;
  }

  /** Inside steps that declare the device. */
  program(pasid: number): void {
    this.programmed = pasid;
  }

  requestStop(): void {
    this.stopping = true;
  }

  snapshot(): ObjectState {
    const state = this.programmed === null ? 'waiting for a PASID' : `working on PASID ${this.programmed}${this.stopping ? ', told to stop' : ''}`;
    return { name: this.name, kind: this.kind, pasid: this.programmed, stopping: this.stopping, summary: state };
  }
}

// ---------------------------------------------------------------------------------------------
// The IOMMU side of bind and unbind: the pieces intel_svm_bind_mm and intel_svm_unbind_mm use.

/** `idr_for_each_entry`: the allocated svm bound to `mm`, if any. */
export function* svm_find_by_mm(iommu: IntelIommu, mm: MmStruct | null): Op<IntelSvm | null> {
  return yield* perform(
    dynamicAct('idr_for_each_entry', iommu.pasid_idr, false, () => [access(iommu.pasid_idr, READ), ...[...iommu.pasid_idr.map.values()].map((s) => access(s, READ))], (t) => {
      checkAlive(iommu.pasid_idr, t, 'idr_for_each_entry');
      const svm = [...iommu.pasid_idr.map.values()].find((s) => s.mm === mm) ?? null;
      iommu.pasid_idr.world.note(svm ? `${svm.name} (PASID ${svm.pasid}) is already bound to ${mm?.name}` : `no PASID is bound to ${mm?.name} yet`);
      return svm;
    }),
  );
}

/**
 * `svm = kzalloc(...); svm->pasid = idr_alloc(...); svm->mm = mm`: returns the new svm, which is
 * `which` if given (the model makes each binding's svm before the threads run), else a spare one.
 */
export function* svm_alloc(iommu: IntelIommu, mm: MmStruct, which?: IntelSvm): Op<IntelSvm> {
  const spare = () => (which && !which.allocated ? which : which ? undefined : iommu.svms.find((s) => !s.allocated));
  return yield* perform(
    dynamicAct('idr_alloc', iommu.pasid_idr, false, () => [access(iommu.pasid_idr, WRITE), ...[spare()].flatMap((s) => (s ? [access(s, WRITE)] : []))], (t) => {
      const svm = spare();
      if (!svm) throw new Error(`idr_alloc: ${iommu.name} has no spare intel_svm; make one per binding in build(k)`);
      const pasid = iommu.pasid_idr.next++;
      iommu.pasid_idr.map.set(pasid, svm);
      svm.allocate(t, pasid, mm);
      iommu.pasid_idr.world.note(`${svm.name} gets PASID ${pasid}, for ${mm.name}`);
      return svm;
    }),
  );
}

/** `iommu->pasid_table[svm->pasid].val = __pa(mm->pgd) | 1`: the PASID's walks now start at the mm's pgd. */
export function* pasid_entry_set(svm: IntelSvm, pgd: PageTable): Op<void> {
  const table = svm.iommu.pasid_table;
  yield* perform(
    dynamicAct('set_pasid_entry', table, false, () => [access(table, WRITE), access(svm, READ)], (t) => {
      checkAlive(svm, t, 'set_pasid_entry');
      table.entries.set(svm.pasid, pgd);
      table.world.note(`PASID ${svm.pasid} → ${pgd.name}, present`);
    }),
  );
}

/**
 * `iommu->pasid_table[svm->pasid].val = 0`, in the notifier's ->release (counted, to check that it
 * runs once); returns the devices on `svm->devs`, for the flushes that may follow.
 */
export function* pasid_entry_clear(svm: IntelSvm): Op<Sdev[]> {
  const table = svm.iommu.pasid_table;
  return yield* perform(
    dynamicAct('clear_pasid_entry', table, false, () => [access(table, WRITE), access(svm, READ)], (t) => {
      checkAlive(svm, t, 'clear_pasid_entry');
      table.entries.delete(svm.pasid);
      svm.releases++; // bookkeeping for the checks, read by no thread
      table.world.note(`PASID ${svm.pasid} not present in the table (cached copies remain until a flush)`);
      return [...svm.devs];
    }),
  );
}

/** `intel_flush_pasid_dev`: drops the PASID's cached table entry. */
export function* intel_flush_pasid_dev(svm: IntelSvm, sdev: Sdev): Op<void> {
  const iotlb = sdev.dev.iotlb;
  yield* perform(
    dynamicAct('intel_flush_pasid_dev', iotlb, false, () => [access(iotlb, WRITE), access(svm, READ)], (t) => {
      checkAlive(svm, t, 'intel_flush_pasid_dev');
      const had = iotlb.pasidCache.delete(svm.pasid);
      iotlb.world.note(`PASID-cache flush of PASID ${svm.pasid} for ${sdev.dev.name}${had ? '' : ' (nothing cached)'}`);
    }),
  );
}

/** `intel_flush_svm_range_dev(svm, sdev, 0, -1, ...)`: drops every IOTLB entry of the PASID. */
export function* intel_flush_svm_range_dev(svm: IntelSvm, sdev: Sdev): Op<void> {
  const iotlb = sdev.dev.iotlb;
  yield* perform(
    dynamicAct('intel_flush_svm_range_dev', iotlb, false, () => [access(iotlb, WRITE), access(svm, READ)], (t) => {
      checkAlive(svm, t, 'intel_flush_svm_range_dev');
      let n = 0;
      for (const key of [...iotlb.tlb]) {
        if (key.startsWith(`${svm.pasid}:`)) {
          iotlb.tlb.delete(key);
          n++;
        }
      }
      iotlb.world.note(`IOTLB flush of PASID ${svm.pasid} for ${sdev.dev.name}: ${n} entr${n === 1 ? 'y' : 'ies'}`);
    }),
  );
}

/**
 * `list_add_rcu(&sdev->list, &svm->devs)` (or `sdev->users++`): `owner`, the device file, now holds
 * the binding. Returns the PASID (`*pasid = svm->pasid`).
 */
export function* sdev_add(svm: IntelSvm, dev: SvmDevice, owner: Holder): Op<number> {
  return yield* perform(
    act('list_add_rcu', svm, WRITE, (t) => {
      checkAlive(svm, t, 'list_add_rcu');
      const sdev = svm.devs.find((s) => s.dev === dev);
      if (sdev) sdev.users++;
      else svm.devs.push({ dev, users: 1 });
      svm.refs.take(owner, 'intel_svm_bind_mm', t);
      svm.world.note(`${dev.name} uses PASID ${svm.pasid}`);
      return svm.pasid;
    }),
  );
}

/** `idr_find(&iommu->pasid_idr, pasid)`, and what the svm says (its mm), read in the same step. */
export function* svm_idr_find(iommu: IntelIommu, pasid: number): Op<{ svm: IntelSvm; mm: MmStruct | null } | null> {
  const found = () => iommu.pasid_idr.map.get(pasid) ?? null;
  return yield* perform(
    dynamicAct('idr_find', iommu.pasid_idr, false, () => [access(iommu.pasid_idr, READ), ...[found()].flatMap((s) => (s ? [access(s, READ)] : []))], (t) => {
      checkAlive(iommu.pasid_idr, t, 'idr_find');
      const svm = found();
      if (!svm) {
        iommu.pasid_idr.world.note(`PASID ${pasid} is not bound`);
        return null;
      }
      checkAlive(svm, t, 'idr_find');
      iommu.pasid_idr.world.note(`PASID ${pasid} is ${svm.name}, bound to ${svm.mm?.name ?? 'init_mm'}`);
      return { svm, mm: svm.mm };
    }),
  );
}

/**
 * `if (!--sdev->users) list_del_rcu(&sdev->list)`: `owner`'s binding goes. Returns the sdev if it
 * left the list, whether the list is now empty, and the svm's mm.
 */
export function* sdev_del(svm: IntelSvm, dev: SvmDevice, owner: Holder): Op<{ sdev: Sdev | null; empty: boolean; mm: MmStruct | null }> {
  return yield* perform(
    act('list_del_rcu', svm, WRITE, (t) => {
      checkAlive(svm, t, 'list_del_rcu');
      const sdev = svm.devs.find((s) => s.dev === dev);
      if (!sdev) throw new Error(`intel_svm_unbind_mm: ${dev.name} is not bound to ${svm.name}`);
      svm.refs.drop(owner, t);
      if (--sdev.users > 0) {
        svm.world.note(`${dev.name} still has ${sdev.users} binding${sdev.users === 1 ? '' : 's'} of PASID ${svm.pasid}`);
        return { sdev: null, empty: false, mm: svm.mm };
      }
      svm.devs.splice(svm.devs.indexOf(sdev), 1);
      svm.world.note(`${dev.name} no longer uses PASID ${svm.pasid}${svm.devs.length ? '' : '; no device is left'}`);
      return { sdev, empty: svm.devs.length === 0, mm: svm.mm };
    }),
  );
}

/** `idr_remove(&iommu->pasid_idr, svm->pasid)`. */
export function* svm_idr_remove(svm: IntelSvm): Op<void> {
  const idr = svm.iommu.pasid_idr;
  yield* perform(
    act('idr_remove', idr, WRITE, (t) => {
      checkAlive(svm, t, 'idr_remove');
      idr.map.delete(svm.pasid);
      idr.world.note(`PASID ${svm.pasid} is free`);
    }, [svm]),
  );
}

/** `kfree(svm)`: the svm and the notifier embedded in it. */
export function* svm_free(svm: IntelSvm): Op<void> {
  yield* perform(
    act('kfree', svm, WRITE, (t) => {
      checkAlive(svm, t, 'kfree');
      const at = { step: svm.world.stepIndex, thread: t.name };
      svm.freed = at;
      svm.notifier.freed = at;
      svm.world.note(`frees ${svm.name} and the notifier in it`);
    }, [svm.notifier]),
  );
}

// ---------------------------------------------------------------------------------------------
// The device: DMA through the PASID, with page requests for missing pages.

type Plan =
  | { kind: 'stopped' }
  | { kind: 'iotlb' }
  | { kind: 'no-pasid' }
  | { kind: 'walk'; pgd: PageTable; cached: boolean; fill: boolean };

function tlbKey(pasid: number, address: number): string {
  return `${pasid}:${hex(address - (address % PAGE_SIZE))}`;
}

/** What a translation of `address` for `dev` will do in the current state (read inside its step). */
function plan(dev: SvmDevice, address: number): Plan {
  const pasid = dev.pasid;
  if (dev.stopRequested || pasid === null) return { kind: 'stopped' };
  const { iotlb } = dev;
  const { pasid_table } = dev.iommu;
  if (iotlb.tlb.has(tlbKey(pasid, address))) return { kind: 'iotlb' };
  const cached = iotlb.pasidCache.get(pasid);
  if (cached) return { kind: 'walk', pgd: cached, cached: true, fill: false };
  const entry = pasid_table.entries.get(pasid);
  if (!entry) return { kind: 'no-pasid' };
  return { kind: 'walk', pgd: entry, cached: false, fill: true };
}

/** The outcome of one translation. */
export type Translation = 'ok' | 'not-present' | 'no-pasid' | 'stopped';

/**
 * The footprint of a translation of `address` for `dev` in the current state; `request` says that a
 * page that is not present is asked for (a page request).
 */
function translationFootprint(dev: SvmDevice, address: number, request: boolean): Access[] {
  const { iotlb } = dev;
  const { pasid_table, prq } = dev.iommu;
  const p = plan(dev, address);
  const fp: Access[] = [access(dev, READ), access(dev.log, WRITE)];
  if (p.kind === 'stopped') return fp;
  if (p.kind === 'iotlb') return [...fp, access(iotlb, READ)];
  fp.push(access(pasid_table, READ));
  if (p.kind !== 'walk') return [...fp, access(iotlb, READ)];
  const present = p.pgd.present(address);
  fp.push(...p.pgd.footprint(address, address + 1, READ), access(iotlb, p.fill || present ? WRITE : READ));
  if (!present && request) fp.push(access(prq, WRITE), access(prq.irq, WRITE));
  return fp;
}

/**
 * An ATS translation of `address` for `dev`, inside a step: the IOMMU looks in the IOTLB, then takes
 * the PASID's entry (from its PASID cache, or from the table, caching it) and walks the page tables
 * it points at. A walk of page tables that free_pgtables freed (or of a freed pgd) is a use after
 * free; a PASID whose entry is not present fails the access cleanly. With `request`, a page that is
 * not present is asked for at once (PRI): a descriptor in the queue, and an interrupt.
 */
function translate(t: KThread, dev: SvmDevice, address: number, request: boolean): Translation {
  const { iotlb } = dev;
  const { prq } = dev.iommu;
  const p = plan(dev, address);
  const world = dev.world;
  const pasid = dev.pasid!;
  const outcome = (o: DmaOutcome) => dev.log.outcomes.set(address, o);
  switch (p.kind) {
    case 'stopped':
      outcome('stopped');
      world.note(`${dev.name} has been told to stop: no more DMA`);
      return 'stopped';
    case 'iotlb':
      outcome('done');
      world.note(`IOTLB hit for ${hex(address)} of PASID ${pasid}`);
      return 'ok';
    case 'no-pasid':
      outcome('PASID not present');
      world.note(`PASID ${pasid} not present: the access to ${hex(address)} fails, cleanly`);
      return 'no-pasid';
    case 'walk': {
      const pgd = p.pgd;
      const via = p.cached ? `its cached PASID entry for PASID ${pasid}` : `the PASID table entry for PASID ${pasid}`;
      if (pgd.freed) {
        throw new Violation('use-after-free', `${t.name} walked ${pgd.name} through ${via} after ${pgd.freed.thread} freed it at step ${pgd.freed.step + 1}`);
      }
      if (pgd.tablesFreed) {
        throw new Violation('use-after-free', `${t.name} walked the page tables of ${pgd.mm.name} through ${via} after ${pgd.tablesFreed.thread} freed them (free_pgtables) at step ${pgd.tablesFreed.step + 1}`);
      }
      if (p.fill) iotlb.pasidCache.set(pasid, pgd);
      const how = p.cached ? 'PASID-cache hit' : 'reads the PASID table entry';
      if (pgd.present(address)) {
        iotlb.tlb.add(tlbKey(pasid, address));
        outcome('done');
        world.note(`${how}; walks ${pgd.mm.name}'s page tables: ${hex(address)} is mapped`);
        return 'ok';
      }
      if (request) {
        prq.ring.push({ pasid, address, write: true, dev });
        if (prq.irq.waiters.length > 0) prq.irq.wake();
        outcome('page requested');
        world.note(`${how}; walks ${pgd.mm.name}'s page tables: ${hex(address)} is not present; ${dev.name} sends a page request`);
      } else {
        outcome('not present after SUCCESS');
        world.note(`${how}; walks ${pgd.mm.name}'s page tables: ${hex(address)} is not present (again)`);
      }
      return 'not-present';
    }
  }
}

/** The device translates `address` through its PASID (ATS) and, if the page is not present, asks for it (PRI). */
export function* ats_translate(dev: SvmDevice, address: number): Op<Translation> {
  return yield* perform(
    dynamicAct('ats_translate', dev, false, () => translationFootprint(dev, address, true), (t) => {
      checkAlive(dev, t, 'ats_translate');
      return translate(t, dev, address, true);
    }),
  );
}

/** The device takes the answer to its page request; on SUCCESS it translates `address` once more. */
export function* page_response(dev: SvmDevice, address: number): Op<PageResponse> {
  const footprint = (): Access[] => {
    const fp = [access(dev.response, WRITE), access(dev.log, WRITE)];
    return dev.response.value === 'SUCCESS' ? [...fp, ...translationFootprint(dev, address, false)] : fp;
  };
  return yield* perform(
    dynamicAct('page_response', dev.response, false, footprint, (t) => {
      const r = dev.response.value!;
      dev.response.set(null);
      if (r === 'SUCCESS') {
        dev.world.note(`SUCCESS: ${hex(address)} was faulted in; translate again`);
        translate(t, dev, address, false);
      } else {
        dev.log.outcomes.set(address, r);
        dev.world.note(`${r}: the access to ${hex(address)} fails, cleanly`);
      }
      return r;
    }),
  );
}

/** The device has finished (or stopped) its work. */
export function* dma_idle(dev: SvmDevice): Op<void> {
  const prq = dev.iommu.prq;
  yield* perform(
    act('dma_idle', dev.idle, WRITE, () => {
      dev.idle.raise();
      if (dev.wq.waiters.length > 0) dev.wq.wake();
      if (prq.irq.waiters.length > 0) prq.irq.wake();
      dev.world.note(`${dev.name} is idle`);
    }, [dev.wq, prq.irq]),
  );
}

/** What a device's DMA thread, asleep from the start (`startAsleep`), waits for. */
export function dmaStartsWhen(dev: SvmDevice): string {
  return `${dev.name} has a PASID`;
}

/**
 * The device's work, as the DMA thread runs it: once the driver has programmed a PASID, for each
 * address translate it; on a missing page (the device has sent a page request) wait for the
 * answer, and translate once more if it was SUCCESS. Then go idle.
 */
export function* svm_device_dma(dev: SvmDevice, addresses: readonly number[]): Op<void> {
  yield* at('dma.start', woken_wait_event(dev.wq, () => dev.pasid !== null, dmaStartsWhen(dev)));
  for (const address of addresses) {
    const r = yield* at('dma.translate', ats_translate(dev, address));
    if (r === 'stopped') break;
    if (r !== 'not-present') continue;
    yield* at('dma.wait', wait_event(dev.response.wq, () => dev.response.value !== null, `the answer to ${dev.name}'s page request`));
    yield* at('dma.response', page_response(dev, address));
  }
  yield* at('dma.idle', dma_idle(dev));
}

// ---------------------------------------------------------------------------------------------
// The page-request thread.

/**
 * The part of prq_event_thread that the fix changed: given the svm that `req`'s PASID names (and its
 * mm), fault the page in on the CPU side and return the answer.
 */
export type PrqFaultHandler = (svm: IntelSvm, mm: MmStruct | null, req: PageRequest) => Op<PageResponse>;

/** What the page-request thread waits for; asleep from the start (`startAsleep`) until then. */
export const PRQ_WAITS_FOR = 'a page request arrives or every device is idle';

/**
 * Waits for the next descriptor, then reads it and looks its PASID up (`idr_find`, and what the svm
 * says: its mm) in one step. Null once the queue is empty and every device is idle.
 */
function* prq_next(iommu: IntelIommu, first: boolean): Op<{ req: PageRequest; found: { svm: IntelSvm; mm: MmStruct | null } | null } | null> {
  const prq = iommu.prq;
  const cond = () => prq.pending > 0 || iommu.devices.every((d) => d.idle.value);
  yield* at('prq.wait', first ? woken_wait_event(prq.irq, cond, PRQ_WAITS_FOR) : wait_event(prq.irq, cond, PRQ_WAITS_FOR));
  const svmOf = () => {
    const req = prq.ring[0];
    return req ? (iommu.pasid_idr.map.get(req.pasid) ?? null) : null;
  };
  return yield* at('prq.find', perform(
    dynamicAct('idr_find', iommu.pasid_idr, false, () => {
      if (prq.ring.length === 0) return [access(prq, READ)];
      const svm = svmOf();
      return [access(prq, READ), access(iommu.pasid_idr, READ), ...(svm ? [access(svm, READ)] : [])];
    }, (t) => {
      const req = prq.ring[0];
      if (!req) {
        prq.world.note('no request, and every device is idle');
        return null;
      }
      const svm = svmOf();
      if (!svm) {
        prq.world.note(`${req.dev.name} asks for ${hex(req.address)} of PASID ${req.pasid}, which is not bound`);
        return { req, found: null };
      }
      checkAlive(svm, t, 'idr_find');
      prq.world.note(`${req.dev.name} asks for ${hex(req.address)} of PASID ${req.pasid}: ${svm.name}, bound to ${svm.mm?.name ?? 'init_mm'}`);
      return { req, found: { svm, mm: svm.mm } };
    }),
  ));
}

/**
 * `bad_req:` the sdev that sent the request, found on the svm's list (a use of the svm, which must
 * still exist); `no_pasid:` the page group response to the device, and the head moves on.
 */
function* qi_submit_sync(iommu: IntelIommu, req: PageRequest, result: PageResponse, svm: IntelSvm | null): Op<void> {
  const prq = iommu.prq;
  const dev = req.dev;
  const fp = [access(dev.response, WRITE), access(prq, WRITE), access(dev.response.wq, WRITE), ...(svm ? [access(svm, READ)] : [])];
  yield* perform(
    dynamicAct('qi_submit_sync', dev.response, false, () => fp, (t) => {
      if (svm) {
        checkAlive(svm, t, 'list_for_each_entry_rcu');
        if (!svm.devs.some((s) => s.dev === dev)) prq.world.note(`${dev.name} is not on ${svm.name}'s list`);
      }
      prq.ring.shift();
      dev.response.set(result);
      if (dev.response.wq.waiters.length > 0) dev.response.wq.wake();
      prq.world.note(`answers ${result} to ${dev.name} for ${hex(req.address)}`);
    }),
  );
}

/**
 * `prq_event_thread`: for each page request, look up its PASID (none: answer FAILURE), run the
 * handler for the mm part, find the sdev and answer. In the model it stops when its queue is empty
 * and every device is idle, then marks the queue stopped and wakes `alsoWake` (a worker that waits
 * for it).
 */
export function* prq_event_thread(iommu: IntelIommu, handle: PrqFaultHandler, alsoWake: readonly WaitQueue[] = []): Op<void> {
  for (let first = true; ; first = false) {
    const next = yield* prq_next(iommu, first);
    if (!next) break;
    const { req, found } = next;
    const result: PageResponse = found ? yield* handle(found.svm, found.mm, req) : 'FAILURE';
    yield* at('prq.respond', qi_submit_sync(iommu, req, result, found?.svm ?? null));
  }
  const prq = iommu.prq;
  yield* at('prq.stop', perform(
    act('prq_stop', prq.stopped, WRITE, () => {
      prq.stopped.raise();
      for (const wq of alsoWake) if (wq.waiters.length > 0) wq.wake();
      prq.world.note('every device is idle: the page-request thread stops');
    }, [...alsoWake]),
  ));
}

// ---------------------------------------------------------------------------------------------
// The driver: a device file whose ioctl binds the caller's mm and whose ->release unbinds it.

/** The IOMMU API the driver calls: the code the fix changed. */
export interface SvmApi {
  /** `intel_svm_bind_mm(dev, &pasid, 0, NULL)` for the calling process, on behalf of `owner` (the file); returns the PASID. */
  bind(dev: SvmDevice, owner: File): Op<number>;
  /** `intel_svm_unbind_mm(dev, pasid)`, on behalf of `owner`. */
  unbind(dev: SvmDevice, pasid: number, owner: File): Op<void>;
}

/** The driver's per-file context (`file->private_data`): its devices and the PASID they use. */
export class SvmCtx extends KObject {
  readonly kind = 'svm_ctx';
  readonly devices: readonly SvmDevice[];
  pasid: number | null = null;

  constructor(world: World, name: string, devices: readonly SvmDevice[]) {
    super(world, name);
    this.devices = devices;
  }

  snapshot(): ObjectState {
    const state = this.freed ? `freed at step ${this.freed.step + 1}` : this.pasid === null ? 'not bound' : `PASID ${this.pasid} on ${this.devices.map((d) => d.name).join(', ')}`;
    return { name: this.name, kind: this.kind, pasid: this.pasid, summary: state };
  }
}

/** `ctx->pasid = pasid`. */
function* svm_ctx_set(ctx: SvmCtx, pasid: number): Op<void> {
  yield* perform(
    act('svm_ctx_set', ctx, WRITE, () => {
      ctx.pasid = pasid;
      ctx.world.note(`${ctx.name}: PASID ${pasid}`);
    }),
  );
}

/** `svm_dev_start`: programs the context's PASID into every device (they start their DMA). */
function* svm_dev_start(ctx: SvmCtx): Op<void> {
  yield* perform(
    act('svm_dev_start', ctx, WRITE, (t) => {
      checkAlive(ctx, t, 'svm_dev_start');
      const pasid = ctx.pasid;
      if (pasid === null) throw new Error('svm_dev_start: the context has no PASID; bind first');
      for (const d of ctx.devices) {
        d.program(pasid);
        if (d.wq.waiters.length > 0) d.wq.wake();
      }
      ctx.world.note(`programs PASID ${pasid} into ${ctx.devices.map((d) => d.name).join(', ')}`);
    }, [...ctx.devices, ...ctx.devices.map((d) => d.wq)]),
  );
}

/** `svm_dev_stop`: tells every device to stop; returns the PASID the context holds. */
function* svm_dev_stop(ctx: SvmCtx): Op<number | null> {
  return yield* perform(
    act('svm_dev_stop', ctx, WRITE, (t) => {
      checkAlive(ctx, t, 'svm_dev_stop');
      for (const d of ctx.devices) d.requestStop();
      ctx.world.note(`tells ${ctx.devices.map((d) => d.name).join(', ')} to stop`);
      return ctx.pasid;
    }, [...ctx.devices]),
  );
}

/** A device file whose driver binds SVM: made open in a process, with its context. */
export class SvmDriver {
  readonly file: File;
  readonly ctx: SvmCtx;
  readonly devices: readonly SvmDevice[];
  readonly api: SvmApi;

  constructor(process: Process, name: string, devices: readonly SvmDevice[], api: SvmApi) {
    if (devices.length === 0) throw new Error(`${name}: the driver needs at least one device`);
    this.devices = devices;
    this.api = api;
    this.ctx = new SvmCtx(process.world, `${name}.ctx`, devices);
    const fops: FileOperations = {
      // ->mmap maps the device's doorbell page (not modelled): the VMA holds the file, nothing more.
      *mmap(_file: File, _vma: VmArea) {
        return 0;
      },
      release: (file) => this.release(file),
    };
    this.file = process.open(name, fops);
    this.file.private_data = this.ctx;
  }

  /** `svm_dev_ioctl(file, SVM_BIND)`: binds the caller's mm to every device; the context keeps the PASID. */
  *bind(): Op<number> {
    let pasid = -1;
    for (const dev of this.devices) pasid = yield* at('ioctl.bind', this.api.bind(dev, this.file));
    yield* at('ioctl.pasid', svm_ctx_set(this.ctx, pasid));
    return 0;
  }

  /** `svm_dev_ioctl(file, SVM_START)`: programs the PASID into the devices, which start their DMA. */
  *start(): Op<number> {
    yield* at('ioctl.start', svm_dev_start(this.ctx));
    return 0;
  }

  /**
   * `svm_dev_release`, the file's ->release: stop the devices and wait until they are idle (no page
   * request may be outstanding when intel_svm_unbind_mm runs), unbind each, free the context.
   */
  *release(file: File): Op<void> {
    const pasid = yield* at('drv.stop', svm_dev_stop(this.ctx));
    for (const dev of this.devices) yield* at('drv.quiesce', wait_event(dev.wq, () => dev.idle.value, `${dev.name} is idle`));
    if (pasid !== null) for (const dev of this.devices) yield* at('drv.unbind', this.api.unbind(dev, pasid, file));
    yield* at('drv.free', kfree(this.ctx));
  }
}
