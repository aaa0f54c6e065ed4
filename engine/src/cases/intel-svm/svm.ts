import { act, at, perform, type Op } from '../../core/action.ts';
import { READ, WRITE } from '../../core/object.ts';
import { currentThread } from '../../core/thread.ts';
import { WARN_ON } from '../../core/violation.ts';
import type { File } from '../../mm/file.ts';
import { FAULT_FLAG_WRITE, VM_FAULT_SIGBUS, handle_mm_fault } from '../../mm/fault.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import { mmput } from '../../mm/mm_struct.ts';
import { current, get_task_mm } from '../../mm/process.ts';
import { VM_WRITE, find_vma } from '../../mm/vma.ts';
import { mmu_notifier_register, mmu_notifier_unregister, type MmuNotifier, type MmuNotifierOps } from '../../notifier/mmu_notifier.ts';
import { mutex_lock, mutex_unlock } from '../../sync/mutex.ts';
import { down_read, up_read } from '../../sync/rwsem.ts';
import {
  intel_flush_pasid_dev, intel_flush_svm_range_dev, pasid_entry_clear, pasid_entry_set, sdev_add, sdev_del, svm_alloc, svm_find_by_mm,
  svm_free, svm_idr_find, svm_idr_remove, svmOfSubscription,
  type IntelIommu, type IntelSvm, type PageRequest, type PageResponse, type PrqFaultHandler, type SvmApi, type SvmDevice,
} from '../../devices/intel-svm/index.ts';
import { bindingHoldsUsers, faultTakesUsers, releaseFlushes, type Variant } from './variant.ts';

/**
 * The code "iommu/vt-d: Fix mm refcounting to hold mm_count not mm_users" changed, in each variant:
 *
 * - `buggy` (before it): the binding keeps the mm_users reference get_task_mm took (`mm = NULL`), so
 *   a process that exits with the device file mapped never reaches exit_mmap; unbind drops it.
 * - `fixed` (after it): bind drops that reference (the notifier's mm_count keeps the struct); the
 *   notifier's ->release clears the PASID entry and flushes the PASID cache and IOTLB; the page
 *   request handler takes mm_users only if it is not 0, and drops it after the fault.
 * - `no-mm-count` (our own variant, not an upstream state): the fixed ->release and page-request
 *   handler, with the binding holding mm_users as before the fix.
 * - `no-release-flush` (our own variant, not an upstream state): the fixed refcounting and page
 *   request handler, with ->release as it was before the fix (the entry cleared, no flush).
 * - `no-fault-check` (our own variant, not an upstream state): the fixed refcounting and ->release,
 *   with the page-request handler as it was before the fix (it takes no mm_users).
 */

/** The notifier's ->release (intel_mm_release). */
function* intel_mm_release(variant: Variant, sub: MmuNotifier): Op<void> {
  const svm = svmOfSubscription(sub);
  const devs = yield* at('rel.clear', pasid_entry_clear(svm));
  if (releaseFlushes(variant)) {
    for (const sdev of devs) {
      yield* at('rel.flush_pasid', intel_flush_pasid_dev(svm, sdev));
      yield* at('rel.flush_iotlb', intel_flush_svm_range_dev(svm, sdev));
    }
  } else if (variant === 'buggy') {
    yield* at('rel.warn', perform(
      act('WARN_ON', svm, READ, () => {
        WARN_ON(devs.length > 0, `${svm.name}'s ->release ran while ${devs.map((s) => s.dev.name).join(', ')} still use PASID ${svm.pasid}, and nothing flushed the caches`);
      }),
    ));
  }
}

/** `intel_mmuops`: the ops of the notifier embedded in each svm. */
export function intelMmuOps(variant: Variant): MmuNotifierOps {
  return {
    release: (sub) => intel_mm_release(variant, sub),
  };
}

/**
 * `intel_svm_bind_mm(dev, &pasid, 0, NULL)` for the calling process. `svm` is the svm this mm gets
 * if it has none yet (made before the threads run). Before the fix the first bind keeps
 * get_task_mm's reference (`mm = NULL`): the model records the binding as its holder from the start,
 * so that the leak's chain names get_task_mm; a later bind of the same mm finds the svm and puts it.
 */
function* intel_svm_bind_mm(variant: Variant, iommu: IntelIommu, svmFor: IntelSvm, dev: SvmDevice, owner: File): Op<number> {
  const task = current();
  if (!task) throw new Error('intel_svm_bind_mm: the caller must be a process thread');
  const holder = bindingHoldsUsers(variant) ? svmFor : currentThread();
  const mm = yield* at('bind.get', get_task_mm(task, holder));
  if (!mm) throw new Error(`intel_svm_bind_mm: ${task.name} has no mm`);
  yield* at('bind.lock', mutex_lock(iommu.pasid_mutex));
  let svm = yield* at('bind.find', svm_find_by_mm(iommu, mm));
  let kept = false;
  if (!svm) {
    svm = yield* at('bind.alloc', svm_alloc(iommu, mm, svmFor));
    yield* at('bind.register', mmu_notifier_register(svm.notifier, mm));
    yield* at('bind.entry', pasid_entry_set(svm, mm.pgd));
    kept = bindingHoldsUsers(variant); // mm = NULL
  }
  const pasid = yield* at('bind.add', sdev_add(svm, dev, owner));
  yield* at('bind.unlock', mutex_unlock(iommu.pasid_mutex));
  if (!kept) yield* at('bind.put', mmput(mm, holder));
  return pasid;
}

/** `intel_svm_unbind_mm(dev, pasid)`, on behalf of `owner` (the device file). */
function* intel_svm_unbind_mm(variant: Variant, iommu: IntelIommu, dev: SvmDevice, pasid: number, owner: File): Op<void> {
  yield* at('unbind.lock', mutex_lock(iommu.pasid_mutex));
  const found = yield* at('unbind.find', svm_idr_find(iommu, pasid));
  if (found) {
    const svm = found.svm;
    const { sdev, empty, mm } = yield* at('unbind.del', sdev_del(svm, dev, owner));
    if (sdev) {
      yield* at('unbind.flush_pasid', intel_flush_pasid_dev(svm, sdev));
      yield* at('unbind.flush_iotlb', intel_flush_svm_range_dev(svm, sdev));
      if (empty) {
        if (bindingHoldsUsers(variant)) {
          if (mm) yield* at('unbind.unreg', mmu_notifier_unregister(svm.notifier, mm));
          yield* at('unbind.idr', svm_idr_remove(svm));
          if (mm) yield* at('unbind.put', mmput(mm, svm));
        } else {
          yield* at('unbind.idr', svm_idr_remove(svm));
          if (mm) yield* at('unbind.unreg', mmu_notifier_unregister(svm.notifier, mm));
        }
        yield* at('unbind.free', svm_free(svm));
      }
    }
  }
  yield* at('unbind.unlock', mutex_unlock(iommu.pasid_mutex));
}

/** The IOMMU API of `variant`, for the driver. */
export function svmApi(variant: Variant, iommu: IntelIommu, svm: IntelSvm): SvmApi {
  return {
    bind: (dev, owner) => intel_svm_bind_mm(variant, iommu, svm, dev, owner),
    unbind: (dev, pasid, owner) => intel_svm_unbind_mm(variant, iommu, dev, pasid, owner),
  };
}

/** `atomic_inc_not_zero(&mm->mm_users)` (v4.4's spelling of mmget_not_zero), for the calling thread. */
function* atomic_inc_not_zero_mm_users(mm: MmStruct): Op<boolean> {
  return yield* perform(act('atomic_inc_not_zero', mm.mm_users, WRITE, (t) => mm.mm_users.getNotZero(t, t, 'atomic_inc_not_zero')));
}

/** The page-request thread's handler in `variant` (`prq_fault`). */
export function prqHandler(variant: Variant): PrqFaultHandler {
  return (_svm, mm, req) => prq_fault(variant, mm, req);
}

/** The mm part of prq_event_thread: from `result = QI_RESP_INVALID` to the mmput the fix added. */
function* prq_fault(variant: Variant, mm: MmStruct | null, req: PageRequest): Op<PageResponse> {
  if (!mm) return 'INVALID';
  if (faultTakesUsers(variant) && !(yield* at('prq.get', atomic_inc_not_zero_mm_users(mm)))) return 'INVALID';
  let result: PageResponse = 'INVALID';
  yield* at('prq.lock', down_read(mm.mmap_sem));
  const vma = yield* at('prq.vma', find_vma(mm, req.address));
  // Under mmap_sem, right after the step that found it, the VMA's fields are stable.
  if (vma && vma.vm_start <= req.address && (!req.write || vma.vm_flags & VM_WRITE)) {
    const ret = yield* at('prq.fault', handle_mm_fault(vma, req.address, req.write ? FAULT_FLAG_WRITE : 0));
    if (!(ret & VM_FAULT_SIGBUS)) result = 'SUCCESS';
  }
  yield* at('prq.unlock', up_read(mm.mmap_sem));
  if (faultTakesUsers(variant)) yield* at('prq.put', mmput(mm));
  return result;
}
