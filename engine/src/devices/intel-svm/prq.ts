/** The page-request thread. */
import { act, at, dynamicAct, iterate, perform, type Op } from '../../core/action.ts';
import { READ, WRITE, access } from '../../core/object.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import { hex } from '../../mm/vma.ts';
import { checkAlive } from '../../sync/lock.ts';
import { WaitQueue, wait_event } from '../../sync/waitqueue.ts';
import { woken_wait_event } from './asleep.ts';
import type { IntelIommu, IntelSvm, PageRequest, PageResponse } from './iommu.ts';

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
        prq.world.note(() => `${req.dev.name} asks for ${hex(req.address)} of PASID ${req.pasid}, which is not bound`);
        return { req, found: null };
      }
      checkAlive(svm, t, 'idr_find');
      prq.world.note(() => `${req.dev.name} asks for ${hex(req.address)} of PASID ${req.pasid}: ${svm.name}, bound to ${svm.mm?.name ?? 'init_mm'}`);
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
        if (!svm.devs.some((s) => s.dev === dev)) prq.world.note(() => `${dev.name} is not on ${svm.name}'s list`);
      }
      prq.ring.shift();
      dev.response.set(result);
      if (dev.response.wq.waiters.length > 0) dev.response.wq.wake();
      prq.world.note(() => `answers ${result} to ${dev.name} for ${hex(req.address)}`);
    }),
  );
}

/** One turn of prq_event_thread's loop: the next request answered (false), or null once it stops. */
function* prq_handle_one(iommu: IntelIommu, handle: PrqFaultHandler, first: boolean): Op<false | null> {
  const next = yield* prq_next(iommu, first);
  if (!next) return null;
  const { req, found } = next;
  const result: PageResponse = found ? yield* handle(found.svm, found.mm, req) : 'FAILURE';
  yield* at('prq.respond', qi_submit_sync(iommu, req, result, found?.svm ?? null));
  return false;
}

/**
 * `prq_event_thread`: for each page request, look up its PASID (none: answer FAILURE), run the
 * handler for the mm part, find the sdev and answer. In the model it stops when its queue is empty
 * and every device is idle, then marks the queue stopped and wakes `alsoWake` (a worker that waits
 * for it).
 */
export function* prq_event_thread(iommu: IntelIommu, handle: PrqFaultHandler, alsoWake: readonly WaitQueue[] = []): Op<void> {
  yield* iterate(true, (first) => prq_handle_one(iommu, handle, first));
  const prq = iommu.prq;
  yield* at('prq.stop', perform(
    act('prq_stop', prq.stopped, WRITE, () => {
      prq.stopped.raise();
      for (const wq of alsoWake) if (wq.waiters.length > 0) wq.wake();
      prq.world.note('every device is idle: the page-request thread stops');
    }, [...alsoWake]),
  ));
}
