import { dynamicAct, perform, settled, type Op } from '../core/action.ts';
import { READ, access } from '../core/object.ts';
import { Violation } from '../core/violation.ts';
import { checkAlive } from '../sync/lock.ts';
import { down_read, down_read_trylock, up_read } from '../sync/rwsem.ts';
import type { MmStruct } from './mm_struct.ts';
import { currentMm } from './process.ts';
import { VM_READ, VM_WRITE, find_vma, hex, type VmArea } from './vma.ts';

/** `FAULT_FLAG_WRITE`: the access that faulted was a write. */
export const FAULT_FLAG_WRITE = 0x01;
/** `VM_FAULT_*` results of a fault handler. */
export const VM_FAULT_SIGBUS = 0x0002;
export const VM_FAULT_NOPAGE = 0x0100;

/** What a faulting user access comes to: the page is there now, or the task gets a signal. */
export type UserFault = 'ok' | 'SIGSEGV' | 'SIGBUS';

/** A step that maps the page holding `address` into the VMA's mm, or (`driver`) hands over to ->fault. */
function* faultStep(op: string, vma: VmArea, address: number, driver: boolean): Op<boolean> {
  const mm = vma.vm_mm;
  return yield* perform(
    dynamicAct(op, vma, false, () => {
      const page = vma.pageOf(address);
      return [access(vma, READ), ...(driver ? mm.pgd.footprint(page, page + vma.pageSize, READ) : mm.pgd.writeFootprint(page, page + vma.pageSize))];
    }, (t) => {
      checkAlive(vma, t, op);
      if (!t.holds(mm.mmap_lock)) {
        throw new Violation('mmap-lock-not-held', `${t.name} called ${op} on ${vma.name} without holding ${mm.mmap_lock.name}`);
      }
      if (!vma.contains(address)) throw new Error(`${op}: ${hex(address)} is not inside ${vma.name} [${hex(vma.vm_start)}, ${hex(vma.vm_end)})`);
      mm.pgd.walk(t, op);
      if (driver) {
        mm.world.note(() => `calls ${vma.name}'s vm_ops->fault`);
        return true;
      }
      const page = vma.pageOf(address);
      mm.pgd.populate(page, vma.pageSize);
      mm.world.note(() => `maps the page at ${hex(page)} of ${mm.name}`);
      return false;
    }),
  );
}

/**
 * Resolves a fault at `address` of `vma`: maps the page, or calls the driver's `vm_ops->fault` (0: the
 * core maps the page; else its `VM_FAULT_*` bits). The caller must hold the mm's mmap_lock.
 */
export function* handle_mm_fault(vma: VmArea, address: number, flags = 0): Op<number> {
  if (!(yield* faultStep('handle_mm_fault', vma, address, Boolean(vma.vm_ops?.fault)))) return 0;
  const ret = yield* vma.vm_ops!.fault!({ vma, address, flags });
  if (ret === 0) yield* faultStep('finish_fault', vma, address, false);
  return ret;
}

/**
 * The architecture's page fault handler for a user address of `mm`: takes mmap_lock for read (trying
 * first without waiting, as x86 and powerpc do [U]), finds the VMA and resolves the fault. No VMA, or
 * one that does not allow the access, is SIGSEGV.
 */
export function do_page_fault(mm: MmStruct, address: number, flags = 0): Op<UserFault> {
  return settled(pageFault(mm, address, flags));
}

function* pageFault(mm: MmStruct, address: number, flags: number): Op<UserFault> {
  const lock = mm.mmap_lock;
  if (!(yield* down_read_trylock(lock))) yield* down_read(lock);
  const vma = yield* find_vma(mm, address);
  const allowed = flags & FAULT_FLAG_WRITE ? VM_WRITE : VM_READ;
  if (!vma || vma.vm_start > address || !(vma.vm_flags & allowed)) {
    yield* up_read(lock);
    return 'SIGSEGV';
  }
  const fault = yield* handle_mm_fault(vma, address, flags);
  yield* up_read(lock);
  return fault & VM_FAULT_SIGBUS ? 'SIGBUS' : 'ok';
}

function* userAccess(op: string, address: number, flags: number): Op<UserFault> {
  const mm = currentMm(op);
  for (;;) {
    const present = yield* perform(
      dynamicAct(op, mm.pgd, false, () => mm.pgd.footprint(address, address + 1, READ), (t) => {
        mm.pgd.walk(t, op);
        const p = mm.pgd.present(address);
        mm.world.note(() => p ? `${hex(address)} is mapped` : `${hex(address)} is not mapped: page fault`);
        return p;
      }),
    );
    if (present) return 'ok';
    const fault = yield* do_page_fault(mm, address, flags);
    if (fault !== 'ok') return fault;
  }
}

/** A load by user space from `address` of its own mm: faults the page in if it is not there. */
export function userLoad(address: number): Op<UserFault> {
  return settled(userAccess('load', address, 0));
}

/** A store by user space to `address` of its own mm: faults the page in if it is not there. */
export function userStore(address: number): Op<UserFault> {
  return settled(userAccess('store', address, FAULT_FLAG_WRITE));
}
