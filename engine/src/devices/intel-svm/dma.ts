/** The device: DMA through the PASID, with page requests for missing pages. */
import { act, at, dynamicAct, iterate, perform, type Op } from '../../core/action.ts';
import { READ, WRITE, access, type Access } from '../../core/object.ts';
import type { KThread } from '../../core/thread.ts';
import { Violation } from '../../core/violation.ts';
import type { PageTable } from '../../mm/page_table.ts';
import { PAGE_SIZE, hex } from '../../mm/vma.ts';
import { checkAlive } from '../../sync/lock.ts';
import { wait_event } from '../../sync/waitqueue.ts';
import { woken_wait_event } from './asleep.ts';
import type { PageResponse } from './iommu.ts';
import type { DmaOutcome, SvmDevice } from './device.ts';

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
      world.note(() => `${dev.name} has been told to stop: no more DMA`);
      return 'stopped';
    case 'iotlb':
      outcome('done');
      world.note(() => `IOTLB hit for ${hex(address)} of PASID ${pasid}`);
      return 'ok';
    case 'no-pasid':
      outcome('PASID not present');
      world.note(() => `PASID ${pasid} not present: the access to ${hex(address)} fails, cleanly`);
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
        world.note(() => `${how}; walks ${pgd.mm.name}'s page tables: ${hex(address)} is mapped`);
        return 'ok';
      }
      if (request) {
        prq.ring.push({ pasid, address, write: true, dev });
        if (prq.irq.waiters.length > 0) prq.irq.wake();
        outcome('page requested');
        world.note(() => `${how}; walks ${pgd.mm.name}'s page tables: ${hex(address)} is not present; ${dev.name} sends a page request`);
      } else {
        outcome('not present after SUCCESS');
        world.note(() => `${how}; walks ${pgd.mm.name}'s page tables: ${hex(address)} is not present (again)`);
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
        dev.world.note(() => `SUCCESS: ${hex(address)} was faulted in; translate again`);
        translate(t, dev, address, false);
      } else {
        dev.log.outcomes.set(address, r);
        dev.world.note(() => `${r}: the access to ${hex(address)} fails, cleanly`);
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
      dev.world.note(() => `${dev.name} is idle`);
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
  yield* iterate(0, (i) => dma_access(dev, addresses, i));
  yield* at('dma.idle', dma_idle(dev));
}

/** The DMA thread's access to `addresses[i]`: the index of the next one, or null once it is done or stopped. */
function* dma_access(dev: SvmDevice, addresses: readonly number[], i: number): Op<number | null> {
  const address = addresses[i];
  if (address === undefined) return null;
  const r = yield* at('dma.translate', ats_translate(dev, address));
  if (r === 'stopped') return null;
  if (r !== 'not-present') return i + 1;
  yield* at('dma.wait', wait_event(dev.response.wq, () => dev.response.value !== null, `the answer to ${dev.name}'s page request`));
  yield* at('dma.response', page_response(dev, address));
  return i + 1;
}
