import { dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, access, type ObjectState } from '../core/object.ts';
import { References } from '../checks/leaks.ts';
import { checkAlive } from '../sync/lock.ts';
import type { File } from './file.ts';
import type { MmStruct } from './mm_struct.ts';

/** The base page size. */
export const PAGE_SIZE = 0x1000;

/** An address as the kernel prints it. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** `vm_flags` bits (PROT_READ and PROT_WRITE have the same values as VM_READ and VM_WRITE). */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_SHARED = 0x8;
export const VM_PFNMAP = 0x400;
export const VM_IO = 0x4000;

/** `struct vm_fault`: what a driver's fault handler is told. */
export interface VmFault {
  vma: VmArea;
  address: number;
  /** `FAULT_FLAG_*` bits. */
  flags: number;
}

/** `struct vm_operations_struct`: what a driver's mapping does when it is closed and when it faults. */
export interface VmOperations {
  /** Called by remove_vma, before the VMA drops its file. */
  close?(vma: VmArea): Op<void>;
  /** Returns 0 (the core then maps the page) or `VM_FAULT_*` bits, e.g. VM_FAULT_NOPAGE after remap_pfn_range. */
  fault?(vmf: VmFault): Op<number>;
}

/** How a VMA is made: its flags, its file and its page size. */
export interface VmaOptions {
  /** `VM_*` bits; VM_READ | VM_WRITE by default. */
  flags?: number;
  /** The mapped file; the VMA holds a reference to it. */
  file?: File | null;
  /** The page size of the mapping (`vma_kernel_pagesize`): PAGE_SIZE by default, larger for huge pages. */
  pageSize?: number;
}

/** Checks an address range a caller passes in; bad input is a clear Error. */
export function checkRange(what: string, start: number, len: number, pageSize = PAGE_SIZE): void {
  if (!Number.isInteger(pageSize) || pageSize < PAGE_SIZE || pageSize % PAGE_SIZE !== 0) {
    throw new Error(`${what}: the page size must be a multiple of PAGE_SIZE (${hex(PAGE_SIZE)}), got ${pageSize}`);
  }
  if (!Number.isInteger(start) || start < 0 || start % pageSize !== 0) throw new Error(`${what}: the address must be a multiple of ${hex(pageSize)} and ≥ 0, got ${start}`);
  if (!Number.isInteger(len) || len <= 0 || len % pageSize !== 0) throw new Error(`${what}: the length must be a positive multiple of ${hex(pageSize)}, got ${len}`);
}

/**
 * A `struct vm_area_struct`: one mapping [vm_start, vm_end) of an mm. The mm holds it from mmap to
 * remove_vma, which frees it. Its fields are the kernel's; read them under mmap_lock, right after the
 * step that found the VMA, as kernel code does.
 */
export class VmArea extends KObject {
  readonly kind = 'vm_area_struct';
  readonly vm_mm: MmStruct;
  readonly vm_start: number;
  /** brk moves the end of the heap's VMA, and munmap may cut a VMA's tail. */
  vm_end: number;
  vm_flags: number;
  readonly vm_file: File | null;
  /** Set by the file's ->mmap (a driver's mapping), else null. */
  vm_ops: VmOperations | null = null;
  vm_private_data: unknown = null;
  readonly pageSize: number;
  /** The mm's reference to its VMA, for the leak finder. */
  readonly refs: References;

  constructor(mm: MmStruct, start: number, end: number, options: VmaOptions = {}) {
    const pageSize = options.pageSize ?? PAGE_SIZE;
    checkRange(`the VMA at ${hex(start)} of ${mm.name}`, start, end - start, pageSize);
    const base = `${mm.name}.vma@${hex(start)}`;
    let name = base;
    for (let n = 2; mm.world.objectNamed(name); n++) name = `${base}#${n}`;
    super(mm.world, name);
    this.vm_mm = mm;
    this.vm_start = start;
    this.vm_end = end;
    this.vm_flags = options.flags ?? VM_READ | VM_WRITE;
    this.vm_file = options.file ?? null;
    this.pageSize = pageSize;
    this.refs = new References(this, 'vma');
  }

  contains(address: number): boolean {
    return this.vm_start <= address && address < this.vm_end;
  }

  /** The first address of the page that holds `address`. */
  pageOf(address: number): number {
    return address - (address % this.pageSize);
  }

  snapshot(): ObjectState {
    const prot = `${this.vm_flags & VM_READ ? 'r' : '-'}${this.vm_flags & VM_WRITE ? 'w' : '-'}${this.vm_flags & VM_SHARED ? 's' : 'p'}`;
    const file = this.vm_file ? ` ${this.vm_file.name}` : '';
    const freed = this.freed ? ` (freed at step ${this.freed.step + 1})` : '';
    return {
      name: this.name,
      kind: this.kind,
      mm: this.vm_mm.name,
      start: this.vm_start,
      end: this.vm_end,
      flags: this.vm_flags,
      file: this.vm_file?.name ?? null,
      pageSize: this.pageSize,
      freed: this.freed !== null,
      summary: `[${hex(this.vm_start)}, ${hex(this.vm_end)}) ${prot}${file}${freed}`,
    };
  }
}

/** The VMA's page size (the kernel's `vma_kernel_pagesize`). */
export function vma_kernel_pagesize(vma: VmArea): number {
  return vma.pageSize;
}

/**
 * The first VMA that ends above `address` (which may start above it, as in the kernel: callers check
 * `vma->vm_start <= address`), or null. It walks the VMA list, so a VMA that exit_mmap freed is a use
 * after free.
 */
export function* find_vma(mm: MmStruct, address: number): Op<VmArea | null> {
  return yield* perform(
    dynamicAct(
      'find_vma',
      mm,
      false,
      () => {
        const fp = [access(mm, READ)];
        for (const v of mm.mmap) fp.push(access(v, READ));
        return fp;
      },
      (t) => {
        checkAlive(mm, t, 'find_vma');
        for (const v of mm.mmap) checkAlive(v, t, 'find_vma');
        const vma = mm.mmap.find((v) => v.vm_end > address) ?? null;
        mm.world.note(() => vma ? `found ${vma.name} [${hex(vma.vm_start)}, ${hex(vma.vm_end)})` : `no VMA at or above ${hex(address)}`);
        return vma;
      },
    ),
  );
}
