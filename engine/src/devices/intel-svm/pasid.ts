/** The IOMMU side of bind and unbind: the pieces intel_svm_bind_mm and intel_svm_unbind_mm use. */
import { act, dynamicAct, perform, type Op } from '../../core/action.ts';
import { READ, WRITE, access } from '../../core/object.ts';
import { type Holder } from '../../checks/leaks.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import type { PageTable } from '../../mm/page_table.ts';
import { checkAlive } from '../../sync/lock.ts';
import { type IntelIommu, IntelSvm, type Sdev } from './iommu.ts';
import type { SvmDevice } from './device.ts';

/** `idr_for_each_entry`: the allocated svm bound to `mm`, if any. */
export function* svm_find_by_mm(iommu: IntelIommu, mm: MmStruct | null): Op<IntelSvm | null> {
  return yield* perform(
    dynamicAct('idr_for_each_entry', iommu.pasid_idr, false, () => [access(iommu.pasid_idr, READ), ...[...iommu.pasid_idr.map.values()].map((s) => access(s, READ))], (t) => {
      checkAlive(iommu.pasid_idr, t, 'idr_for_each_entry');
      const svm = [...iommu.pasid_idr.map.values()].find((s) => s.mm === mm) ?? null;
      iommu.pasid_idr.world.note(() => svm ? `${svm.name} (PASID ${svm.pasid}) is already bound to ${mm?.name}` : `no PASID is bound to ${mm?.name} yet`);
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
      iommu.pasid_idr.world.note(() => `${svm.name} gets PASID ${pasid}, for ${mm.name}`);
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
      table.world.note(() => `PASID ${svm.pasid} → ${pgd.name}, present`);
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
      table.world.note(() => `PASID ${svm.pasid} not present in the table (cached copies remain until a flush)`);
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
      iotlb.world.note(() => `PASID-cache flush of PASID ${svm.pasid} for ${sdev.dev.name}${had ? '' : ' (nothing cached)'}`);
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
      iotlb.world.note(() => `IOTLB flush of PASID ${svm.pasid} for ${sdev.dev.name}: ${n} entr${n === 1 ? 'y' : 'ies'}`);
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
      svm.world.note(() => `${dev.name} uses PASID ${svm.pasid}`);
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
        iommu.pasid_idr.world.note(() => `PASID ${pasid} is not bound`);
        return null;
      }
      checkAlive(svm, t, 'idr_find');
      iommu.pasid_idr.world.note(() => `PASID ${pasid} is ${svm.name}, bound to ${svm.mm?.name ?? 'init_mm'}`);
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
        svm.world.note(() => `${dev.name} still has ${sdev.users} binding${sdev.users === 1 ? '' : 's'} of PASID ${svm.pasid}`);
        return { sdev: null, empty: false, mm: svm.mm };
      }
      svm.devs.splice(svm.devs.indexOf(sdev), 1);
      svm.world.note(() => `${dev.name} no longer uses PASID ${svm.pasid}${svm.devs.length ? '' : '; no device is left'}`);
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
      idr.world.note(() => `PASID ${svm.pasid} is free`);
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
      svm.world.note(() => `frees ${svm.name} and the notifier in it`);
    }, [svm.notifier]),
  );
}
