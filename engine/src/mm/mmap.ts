import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { READ, WRITE, access } from '../core/object.ts';
import { checkAlive } from '../sync/lock.ts';
import { down_write, up_write } from '../sync/rwsem.ts';
import { EEXIST } from './errno.ts';
import { fput, get_file, type File } from './file.ts';
import type { MmStruct } from './mm_struct.ts';
import { currentMm } from './process.ts';
import { do_munmap } from './unmap.ts';
import { PAGE_SIZE, VM_READ, VM_SHARED, VM_WRITE, VmArea, checkRange, hex } from './vma.ts';

/**
 * The system calls that change an address space: mmap, munmap and brk. Each takes the caller's
 * `mmap_lock` for write, changes the VMA list and releases it.
 */

export interface MmapOptions {
  /** The file to map; the VMA holds a reference to it, and its ->mmap may set the VMA up. */
  file?: File;
  /** `PROT_READ | PROT_WRITE` by default (the same bits as VM_READ and VM_WRITE). */
  prot?: number;
  /** MAP_SHARED: the VMA gets VM_SHARED. */
  shared?: boolean;
  /** The mapping's page size (huge pages); PAGE_SIZE by default. */
  pageSize?: number;
}

/** The body of mmap (MAP_FIXED_NOREPLACE), for a caller that holds `mm`'s mmap_lock for write (as vm_mmap_pgoff does). */
export function* do_mmap(mm: MmStruct, addr: number, len: number, o: MmapOptions): Op<number> {
  const end = addr + len;
  const free = yield* perform(
    act('do_mmap', mm, READ, (t) => {
      checkAlive(mm, t, 'do_mmap');
      const clash = mm.mmap.find((v) => v.vm_start < end && addr < v.vm_end);
      mm.world.note(() => clash ? `[${hex(addr)}, ${hex(end)}) overlaps ${clash.name}: -EEXIST` : `maps [${hex(addr)}, ${hex(end)})`);
      return !clash;
    }),
  );
  if (!free) return -EEXIST;
  const flags = (o.prot ?? VM_READ | VM_WRITE) & (VM_READ | VM_WRITE) | (o.shared ? VM_SHARED : 0);
  const vma = new VmArea(mm, addr, end, { flags, file: o.file ?? null, pageSize: o.pageSize ?? PAGE_SIZE });
  if (o.file) {
    yield* get_file(o.file, vma);
    const err = o.file.f_op.mmap ? yield* o.file.f_op.mmap(o.file, vma) : 0;
    if (err) {
      yield* fput(o.file, vma);
      yield* perform(act('vm_area_free', vma, WRITE, (t) => void (vma.freed = { step: vma.world.stepIndex, thread: t.name })));
      return err;
    }
  }
  yield* perform(
    act('vma_link', mm, WRITE, (t) => {
      mm.insert(vma);
      vma.refs.take(mm, 'do_mmap', t);
      mm.world.note(() => `links ${vma.name}`);
    }, [vma]),
  );
  return addr;
}

/**
 * Maps [addr, addr + len) of the caller's mm (MAP_FIXED_NOREPLACE: an overlap is -EEXIST); returns
 * `addr` or -errno. No page is present until something touches it.
 */
export function* sys_mmap(addr: number, len: number, options: MmapOptions = {}): Op<number> {
  const mm = currentMm('sys_mmap');
  checkRange('sys_mmap', addr, len, options.pageSize ?? PAGE_SIZE);
  yield* down_write(mm.mmap_lock);
  const ret = yield* do_mmap(mm, addr, len, options);
  yield* up_write(mm.mmap_lock);
  return ret;
}

/** Unmaps [addr, addr + len) of the caller's mm; returns 0. */
export function* sys_munmap(addr: number, len: number): Op<number> {
  const mm = currentMm('sys_munmap');
  checkRange('sys_munmap', addr, len);
  yield* down_write(mm.mmap_lock);
  yield* do_munmap(mm, addr, len);
  yield* up_write(mm.mmap_lock);
  return 0;
}

const pageAlign = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;

/** Grows the heap from `from` to `to`: extends its VMA, or makes one; then sets brk. */
function* do_brk_flags(mm: MmStruct, from: number, to: number, brk: number): Op<void> {
  const heap = () => mm.mmap.find((v) => v.vm_end === from && !v.freed) ?? null;
  yield* perform(
    dynamicAct('do_brk_flags', mm, false, () => [access(mm, WRITE), ...[heap()].flatMap((v) => (v ? [access(v, WRITE)] : []))], (t) => {
      const vma = heap();
      if (vma) {
        vma.vm_end = to;
        mm.world.note(() => `extends ${vma.name} to ${hex(to)}`);
      } else {
        const v = new VmArea(mm, from, to);
        mm.insert(v);
        v.refs.take(mm, 'do_brk_flags', t);
        mm.world.note(() => `makes the heap ${v.name}`);
      }
      mm.brk = brk;
    }),
  );
}

/**
 * Moves the end of the caller's heap to `brk` and returns the new end; a request below the heap's
 * start, or one that would run into another mapping, leaves it where it was.
 */
export function* sys_brk(brk: number): Op<number> {
  const mm = currentMm('sys_brk');
  if (!Number.isInteger(brk) || brk < 0) throw new Error(`sys_brk: the new break must be an address ≥ 0, got ${brk}`);
  yield* down_write(mm.mmap_lock);
  const plan = yield* perform(
    act('sys_brk', mm, WRITE, (t) => {
      checkAlive(mm, t, 'sys_brk');
      const oldEnd = pageAlign(mm.brk);
      const newEnd = pageAlign(brk);
      const blocked = brk < mm.start_brk || (newEnd > oldEnd && mm.mmap.some((v) => v.vm_start >= oldEnd && v.vm_start < newEnd + PAGE_SIZE));
      if (blocked) {
        mm.world.note(() => `brk(${hex(brk)}) refused: ${brk < mm.start_brk ? 'below the start of the heap' : 'another mapping is in the way'}`);
        return { from: oldEnd, to: oldEnd, result: mm.brk };
      }
      if (newEnd <= oldEnd) mm.brk = brk;
      return { from: oldEnd, to: newEnd, result: brk };
    }),
  );
  if (plan.to < plan.from) yield* do_munmap(mm, plan.to, plan.from - plan.to);
  if (plan.to > plan.from) yield* do_brk_flags(mm, plan.from, plan.to, brk);
  yield* up_write(mm.mmap_lock);
  return plan.result;
}
