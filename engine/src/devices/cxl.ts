import { at, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { assertBuilding } from '../mm/build.ts';
import { EFAULT } from '../mm/errno.ts';
import { FAULT_FLAG_WRITE, VM_FAULT_SIGBUS, handle_mm_fault } from '../mm/fault.ts';
import type { MmStruct } from '../mm/mm_struct.ts';
import { VM_READ, VM_WRITE, find_vma, hex } from '../mm/vma.ts';
import { down_read, up_read } from '../sync/rwsem.ts';

/**
 * A CAPI accelerator on POWER and the kernel side of its translation faults, as the cxl case needs
 * them (Linux v4.17: drivers/misc/cxl/cxllib.c and fault.c, arch/powerpc/mm/copro_fault.c).
 *
 * The accelerator works on a buffer in a process's address space, translating the process's
 * addresses through the process's own page tables. When a translation is missing it raises a
 * translation fault, and an external driver, in kernel context, asks the host to fault the buffer in
 * with `cxllib_handle_fault(mm, addr, size, flags)`; then it restarts the accelerator, which touches
 * each page of the buffer again. A page that has no translation by then (one the host missed, or one
 * that vanished since) raises a new fault, for that page only, and the access is retried.
 *
 * Modelled here, as reusable device behaviour:
 * - the accelerator (`CxlAccelerator`): its buffer, the one address it touches in each page of it,
 *   and which of those accesses have been translated; every access must succeed by the end;
 * - `accel_touch`: one access, a read of the mm's page tables (present or not) that takes no lock;
 * - the driver's loop, `accel_translation_fault`, which takes the `cxllib_handle_fault` to call,
 *   because that function is the subject of the cxl patch and lives in the case;
 * - `cxl_handle_mm_fault` and `copro_handle_mm_fault`, which the patch did not change:
 *   `copro_handle_mm_fault` takes `mmap_sem` for read around find_vma and handle_mm_fault.
 *
 * Verified (shared/research/kernel-semantics.md, seed 1, sources C1–C4): the structure and locking
 * of `cxllib_handle_fault` before and after the fix; that `cxl_handle_mm_fault` calls
 * `copro_handle_mm_fault`; that `copro_handle_mm_fault` takes `down_read(&mm->mmap_sem)`, finds the
 * VMA, checks the access and calls `handle_mm_fault`.
 *
 * Not verified [U]: the external driver itself (cxllib was exported for a driver outside
 * drivers/misc/cxl, an adapter with IBM's XSL, whose code we did not read): that it resolves the
 * whole buffer first, that it retries a missed page by asking for that page again, and how many times
 * it retries are our model of it, built on the fix's own comment (the driver retries the access, the
 * missing page faults again, and cxllib is called for it).
 *
 * Simplified: the accelerator touches one cache line in each page and only reads; its accesses run in
 * the driver's thread (the driver restarts it and its next fault comes back to the driver, so they are
 * one sequence). `cxl_handle_mm_fault`'s update of `mm_cpumask` and its hash-table preload on a hash
 * MMU (under `local_irq_save`) are left out: they take no sleeping lock. `copro_handle_mm_fault`'s
 * stack expansion (VM_GROWSDOWN) is left out: an address below its VMA is -EFAULT. The `mm->pgd`
 * null check is a line without a step (the mm here always has its pgd).
 */

/** The size of one access of the accelerator: a POWER cache line. */
export const CACHE_LINE = 0x80;

/** `DSISR_ISSTORE`: the access that faulted was a store. */
export const DSISR_ISSTORE = 0x02000000;

/**
 * How many times the driver lets the accelerator fault on one page after the first fault before it
 * gives up (our choice [U]: the real driver's limit is unknown; one concurrent remap makes at most two).
 */
export const ACCEL_MAX_RETRIES = 3;

/** The buffer an accelerator works on, and the address it touches in each page of it. */
export interface AccelBuffer {
  addr: number;
  size: number;
  /** One address in each page of [addr, addr + size), in order. */
  touch: readonly number[];
}

/** `cxllib_handle_fault(mm, addr, size, flags)`: 0, or -errno. The case supplies the version. */
export type CxllibHandleFault = (mm: MmStruct, addr: number, size: number, flags: number) => Op<number>;

/**
 * An accelerator attached to a process's mm. Its state is written only by the driver's thread, in
 * `accel_touch` steps; the page tables it reads are shared with everyone who faults or unmaps.
 */
export class CxlAccelerator extends KObject {
  readonly kind = 'cxl_accelerator';
  readonly mm: MmStruct;
  readonly addr: number;
  readonly size: number;
  readonly touch: readonly number[];
  /** The addresses whose access has been translated. */
  private readonly translated = new Set<number>();
  /** Translation faults raised, counting the first one (for the whole buffer), which started it all. */
  faults = 1;
  /** Faults raised by an access after the driver had resolved the buffer: retries of a missed page. */
  retries = 0;
  /** Misses of each address. */
  private readonly misses = new Map<number, number>();

  constructor(world: World, name: string, mm: MmStruct, buffer: AccelBuffer) {
    assertBuilding(`the accelerator ${name}`);
    super(world, name);
    if (buffer.touch.length === 0) throw new Error(`accelerator ${name}: the buffer has no page to touch`);
    for (const ea of buffer.touch) {
      if (ea < buffer.addr || ea >= buffer.addr + buffer.size) throw new Error(`accelerator ${name}: ${hex(ea)} is outside its buffer [${hex(buffer.addr)}, ${hex(buffer.addr + buffer.size)})`);
    }
    this.mm = mm;
    this.addr = buffer.addr;
    this.size = buffer.size;
    this.touch = [...buffer.touch];
    // Every access must have been translated by the time every thread has finished.
    world.atEnd(() => {
      const left = this.touch.filter((ea) => !this.translated.has(ea));
      if (left.length === 0) return null;
      return { verdict: 'violation', message: `The accelerator ${this.name} never completed its access to ${left.map(hex).join(', ')}.` };
    });
  }

  snapshot(): ObjectState {
    const done = this.touch.filter((ea) => this.translated.has(ea));
    const retries = this.retries === 1 ? '1 retry' : `${this.retries} retries`;
    return {
      name: this.name,
      kind: this.kind,
      mm: this.mm.name,
      buffer: { addr: this.addr, size: this.size },
      touch: [...this.touch],
      translated: done,
      faults: this.faults,
      retries: this.retries,
      misses: [...this.misses].map(([ea, n]) => ({ address: ea, misses: n })),
      summary: `buffer [${hex(this.addr)}, ${hex(this.addr + this.size)}): ${done.length}/${this.touch.length} pages accessed; ${this.faults} translation fault${this.faults === 1 ? '' : 's'}, ${retries}`,
    };
  }

  /** Records one access (inside `accel_touch`'s step). */
  record(ea: number, present: boolean): void {
    if (present) {
      this.translated.add(ea);
      return;
    }
    this.faults++;
    this.retries++;
    this.misses.set(ea, (this.misses.get(ea) ?? 0) + 1);
  }
}

/**
 * One access of the accelerator to `ea`: it translates the address through the mm's page tables,
 * taking no lock. Returns whether a translation was there; if not, the accelerator raises a
 * translation fault for that page.
 */
export function* accel_touch(acc: CxlAccelerator, ea: number): Op<boolean> {
  const pgd = acc.mm.pgd;
  const fp = [access(acc, WRITE), ...pgd.footprint(ea, ea + 1, READ)];
  return yield* perform(
    dynamicAct('accel_touch', acc, false, () => fp, (t) => {
      pgd.walk(t, 'accel_touch');
      const present = pgd.present(ea);
      acc.record(ea, present);
      acc.world.note(() => present ? `${acc.name} reads ${hex(ea)}: translated` : `${acc.name}: no translation for ${hex(ea)}, so it raises a translation fault for that page`);
      return present;
    }),
  );
}

/** The driver gives up: the accelerator's access to `ea` fails with an address error. A violation. */
export function* accel_abort(acc: CxlAccelerator, ea: number, why: string): Op<never> {
  return yield* perform(
    dynamicAct('accel_abort', acc, false, () => [access(acc, WRITE)], (t): never => {
      throw new Violation('device-error', `${t.name} gave up on ${acc.name}'s access to ${hex(ea)}: ${why}, so the accelerator gets an address error`);
    }),
  );
}

/**
 * The external driver's handling of a translation fault on the whole buffer (T1): resolve it with
 * `cxllib_handle_fault`, then restart the accelerator, which touches each page; a page that misses
 * raises a new fault for that page, which the driver resolves the same way before the access is
 * retried. With `retry` false, a driver that never resolves a page fault after the first: a page
 * missed stays missed, and the accelerator's access to it never completes (a violation at the end).
 * Listing labels: `drv_fault`, `touch`, `drv_retry`, `drv_abort`.
 */
export function* accel_translation_fault(acc: CxlAccelerator, cxllib_handle_fault: CxllibHandleFault, flags = 0, retry = true): Op<void> {
  const mm = acc.mm;
  const rc = yield* at('drv_fault', cxllib_handle_fault(mm, acc.addr, acc.size, flags));
  if (rc) yield* at('drv_abort', accel_abort(acc, acc.addr, `cxllib_handle_fault returned ${rc}`));
  for (const ea of acc.touch) {
    for (let retries = 0; !(yield* at('touch', accel_touch(acc, ea))) && retry; ) {
      if (++retries > ACCEL_MAX_RETRIES) yield* at('drv_abort', accel_abort(acc, ea, `it missed ${retries} times`));
      const rc2 = yield* at('drv_retry', cxllib_handle_fault(mm, ea, CACHE_LINE, flags));
      if (rc2) yield* at('drv_abort', accel_abort(acc, ea, `cxllib_handle_fault returned ${rc2}`));
    }
  }
}

/**
 * arch/powerpc/mm/copro_fault.c: resolves a coprocessor's fault at `ea` of `mm`, taking `mmap_sem`
 * for read around find_vma and handle_mm_fault, as the CPU's fault handler does. Returns 0 or -EFAULT.
 * Listing labels: `R2`, `copro_find`, `copro_fault`, `copro_up`.
 */
export function* copro_handle_mm_fault(mm: MmStruct, ea: number, dsisr: number): Op<number> {
  yield* at('R2', down_read(mm.mmap_sem));
  let ret = -EFAULT;
  const vma = yield* at('copro_find', find_vma(mm, ea));
  // The VMA's fields are read under mmap_sem, right after the step that found it, as the kernel does.
  const is_write = (dsisr & DSISR_ISSTORE) !== 0;
  if (vma && vma.vm_start <= ea && vma.vm_flags & (is_write ? VM_WRITE : VM_READ)) {
    const flt = yield* at('copro_fault', handle_mm_fault(vma, ea, is_write ? FAULT_FLAG_WRITE : 0));
    ret = flt & VM_FAULT_SIGBUS ? -EFAULT : 0;
  }
  yield* at('copro_up', up_read(mm.mmap_sem));
  return ret;
}

/** drivers/misc/cxl/fault.c: the cxl wrapper around `copro_handle_mm_fault`. Listing label: `copro`. */
export function* cxl_handle_mm_fault(mm: MmStruct, dsisr: number, dar: number): Op<number> {
  return yield* at('copro', copro_handle_mm_fault(mm, dar, dsisr));
}

/** The first address of the `page_size` page that holds `addr` (`addr & ~(page_size - 1)`, without 32-bit arithmetic). */
export function pageDown(addr: number, page_size: number): number {
  return addr - (addr % page_size);
}
