/** The IOMMU: its PASID table and IDR, the caches, the page request queue, and `struct intel_svm`. */
import { KObject, type ObjectState } from '../../core/object.ts';
import type { KThread } from '../../core/thread.ts';
import type { World } from '../../core/world.ts';
import { References } from '../../checks/leaks.ts';
import { assertBuilding } from '../../mm/build.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import type { PageTable } from '../../mm/page_table.ts';
import { hex } from '../../mm/vma.ts';
import { MmuNotifier, type MmuNotifierOps } from '../../notifier/mmu_notifier.ts';
import { Mutex } from '../../sync/mutex.ts';
import { WaitQueue } from '../../sync/waitqueue.ts';
import type { SvmDevice } from './device.ts';

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
