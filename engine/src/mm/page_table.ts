import { dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type Access, type Freed, type Mode, type ObjectState } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import type { World } from '../core/world.ts';
import { Violation } from '../core/violation.ts';
import { checkAlive } from '../sync/lock.ts';
import type { MmStruct } from './mm_struct.ts';
import { VM_IO, VM_PFNMAP, hex, type VmArea } from './vma.ts';

/**
 * The entries of one page of a VMA that exists before the threads run (or, for `rest`, of every
 * other address). It holds no state: it gives the entries of its range a footprint of their own,
 * so that steps on different pages of one mm do not look dependent to the explorer. Not shown in
 * snapshots.
 */
class PteSlot extends KObject {
  readonly kind = 'pte_slot';
  override readonly internal = true;
  /** It holds no state, so nothing changes what its snapshot shows. */
  override readonly stateInFootprint = true;

  readonly start: number;
  readonly end: number;

  constructor(world: World, name: string, start: number, end: number) {
    super(world, name);
    this.start = start;
    this.end = end;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, summary: `the entries of [${hex(this.start)}, ${hex(this.end)})` };
  }
}

/** A VMA of more pages than this gets one slot for all of them. */
const MAX_SLOTS_PER_VMA = 64;

/**
 * An mm's page tables: the pgd (freed with the mm, in __mmdrop) and the tables below it (freed by
 * free_pgtables in exit_mmap), holding the entries that map present pages. Faults populate entries;
 * unmapping zaps them. Using the tables after free_pgtables is a use after free.
 *
 * Footprints: a step that walks the tables reads the pgd (free_pgtables and __mmdrop write it), and
 * reads or writes the entries of the addresses it looks at, per page of the VMAs made at build time
 * (`footprint`); so a fault on one page and a copy from another commute, as they do in the kernel.
 */
export class PageTable extends KObject {
  readonly kind = 'page_table';
  readonly mm: MmStruct;
  /** Present pages: first address → page size. */
  private readonly pages = new Map<number, number>();
  /** When free_pgtables freed the tables below the pgd. */
  tablesFreed: Freed | null = null;
  /** The build-time VMAs' pages, by address, and one slot for every other address. */
  private readonly slots: PteSlot[] = [];
  private readonly rest: PteSlot;

  constructor(mm: MmStruct) {
    super(mm.world, `${mm.name}.pgd`);
    this.mm = mm;
    this.rest = new PteSlot(mm.world, `${mm.name}.pte@rest`, 0, Infinity);
  }

  /** Gives the pages of [start, end) their own footprints (at build, for a VMA made then). */
  addSlots(start: number, end: number, pageSize: number): void {
    const step = (end - start) / pageSize > MAX_SLOTS_PER_VMA ? end - start : pageSize;
    for (let p = start; p < end; p += step) this.slots.push(new PteSlot(this.world, `${this.mm.name}.pte@${hex(p)}`, p, Math.min(p + step, end)));
  }

  /** The footprint of a step that walks the tables and uses the entries of [start, end) in `mode`. */
  footprint(start: number, end: number, mode: Mode): Access[] {
    const fp = [access(this, READ)];
    let covered = 0;
    for (const s of this.slots) {
      if (s.start < end && start < s.end) {
        fp.push(access(s, mode));
        covered += Math.min(end, s.end) - Math.max(start, s.start);
      }
    }
    if (covered < end - start) fp.push(access(this.rest, mode));
    return fp;
  }

  /**
   * The footprint of a step that maps or zaps the pages that start in [start, end): those entries,
   * and all that the entries it replaces or removes map.
   */
  writeFootprint(start: number, end: number): Access[] {
    let last = end;
    for (const [first, size] of this.pages) if (start <= first && first < end) last = Math.max(last, first + size);
    return this.footprint(start, last, WRITE);
  }

  /** Checks, inside a step, that the tables still exist. */
  walk(t: KThread, op: string): void {
    checkAlive(this, t, op);
    if (this.tablesFreed) {
      throw new Violation('use-after-free', `${t.name} used the page tables of ${this.mm.name} in ${op} after ${this.tablesFreed.thread} freed them (free_pgtables) at step ${this.tablesFreed.step + 1}`);
    }
  }

  present(address: number): boolean {
    return this.firstMissing(address, address + 1) === null;
  }

  /** The first address in [start, end) whose page is not present, or null if all are. */
  firstMissing(start: number, end: number): number | null {
    let p = start;
    while (p < end) {
      let next = -1;
      for (const [first, size] of this.pages) if (first <= p && p < first + size) next = first + size;
      if (next < 0) return p;
      p = next;
    }
    return null;
  }

  populate(first: number, size: number): void {
    this.pages.set(first, size);
  }

  /** Removes the entries of the pages that start in [start, end); returns how many. */
  zap(start: number, end: number): number {
    let n = 0;
    for (const first of [...this.pages.keys()]) {
      if (start <= first && first < end) {
        this.pages.delete(first);
        n++;
      }
    }
    return n;
  }

  snapshot(): ObjectState {
    const present = [...this.pages.keys()].sort((a, b) => a - b);
    const state = this.freed ? `freed at step ${this.freed.step + 1}` : this.tablesFreed ? `tables freed at step ${this.tablesFreed.step + 1}` : `${present.length} present: ${present.map(hex).join(', ') || 'none'}`;
    return { name: this.name, kind: this.kind, present, tablesFreed: this.tablesFreed !== null, freed: this.freed !== null, summary: state };
  }
}

/** exit_mmap's free_pgtables: frees the tables below the pgd, once unmap_vmas has zapped them. */
export function* free_pgtables(mm: MmStruct): Op<void> {
  yield* perform(
    dynamicAct('free_pgtables', mm.pgd, false, () => [access(mm.pgd, WRITE)], (t) => {
      mm.pgd.walk(t, 'free_pgtables');
      mm.pgd.tablesFreed = { step: mm.world.stepIndex, thread: t.name };
      mm.world.note(() => `frees the page tables of ${mm.name} (the pgd stays until __mmdrop)`);
    }),
  );
}

/**
 * A step on a VMA's page-table entries in [address, address + size), which must lie in the VMA;
 * `vmaMode` says whether it also changes the VMA.
 */
function* vmaPtes(op: string, vma: VmArea, vmaMode: Mode, address: number, size: number, change: (t: KThread) => void): Op<void> {
  const pgd = vma.vm_mm.pgd;
  yield* perform(
    dynamicAct(op, vma, false, () => [access(vma, vmaMode), ...pgd.writeFootprint(address, address + size)], (t) => {
      checkAlive(vma, t, op);
      if (address < vma.vm_start || address + size > vma.vm_end || size <= 0) {
        throw new Error(`${op}: [${hex(address)}, ${hex(address + size)}) is not inside ${vma.name} [${hex(vma.vm_start)}, ${hex(vma.vm_end)})`);
      }
      pgd.walk(t, op);
      change(t);
    }),
  );
}

/** Maps device memory into [address, address + size) of a VMA (a driver's mmap or fault handler does). */
export function* remap_pfn_range(vma: VmArea, address: number, size: number): Op<void> {
  yield* vmaPtes('remap_pfn_range', vma, WRITE, address, size, () => {
    vma.vm_flags |= VM_IO | VM_PFNMAP;
    for (let p = address; p < address + size; p += vma.pageSize) vma.vm_mm.pgd.populate(p, vma.pageSize);
    vma.world.note(() => `maps [${hex(address)}, ${hex(address + size)}) of ${vma.name}`);
  });
}

/** Zaps the entries of [address, address + size) of a VM_PFNMAP VMA; the next access faults again. */
export function* zap_vma_ptes(vma: VmArea, address: number, size: number): Op<void> {
  yield* vmaPtes('zap_vma_ptes', vma, READ, address, size, () => {
    if (!(vma.vm_flags & VM_PFNMAP)) {
      vma.world.note(() => `${vma.name} is not VM_PFNMAP: nothing zapped`);
      return;
    }
    const n = vma.vm_mm.pgd.zap(address, address + size);
    vma.world.note(() => `zaps ${n} page${n === 1 ? '' : 's'} of ${vma.name}`);
  });
}

/** Zaps the entries of [address, address + size) of a VMA (the OOM reaper's unmap of one VMA). */
export function* unmap_page_range(vma: VmArea, address: number, size: number): Op<void> {
  yield* vmaPtes('unmap_page_range', vma, READ, address, size, () => {
    const n = vma.vm_mm.pgd.zap(address, address + size);
    vma.world.note(() => `zaps ${n} page${n === 1 ? '' : 's'} of ${vma.name}`);
  });
}
