/** A PCI device that does DMA through a PASID: its registers, its log, its IOTLB share. */
import { KObject, type ObjectState } from '../../core/object.ts';
import type { World } from '../../core/world.ts';
import { assertBuilding } from '../../mm/build.ts';
import { hex } from '../../mm/vma.ts';
import { WaitQueue } from '../../sync/waitqueue.ts';
import { Flag, Iotlb, type IntelIommu, type PageResponse } from './iommu.ts';

/** The device's answer register: the page group response to its outstanding page request. */
export class PageResponseRegister extends KObject {
  readonly kind = 'prg_response';
  private answer: PageResponse | null = null;
  /** Where the device waits for the answer. */
  readonly wq: WaitQueue;

  constructor(world: World, name: string) {
    super(world, name);
    this.wq = new WaitQueue(world, `${name}.wq`);
  }

  get value(): PageResponse | null {
    this.observe();
    return this.answer;
  }

  set(value: PageResponse | null): void {
    this.answer = value;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.answer, summary: this.answer ?? 'none' };
  }
}

/** What became of one DMA access. */
export type DmaOutcome = 'done' | 'page requested' | 'PASID not present' | 'INVALID' | 'FAILURE' | 'not present after SUCCESS' | 'stopped';

/** The device's record of its accesses (only its own DMA touches it). */
export class DmaLog extends KObject {
  readonly kind = 'dma_log';
  readonly outcomes = new Map<number, DmaOutcome>();

  snapshot(): ObjectState {
    const out = [...this.outcomes].map(([a, o]) => `${hex(a)} ${o}`);
    return { name: this.name, kind: this.kind, outcomes: Object.fromEntries([...this.outcomes].map(([a, o]) => [hex(a), o])), summary: out.join('; ') || 'no access yet' };
  }
}

/**
 * A PCI device that does DMA through a PASID (an accelerator function with ATS and PRI). The driver
 * programs the PASID into it and may tell it to stop; it reports when it is idle.
 */
export class SvmDevice extends KObject {
  readonly kind = 'svm_device';
  readonly iommu: IntelIommu;
  /** Woken when it is programmed, and when it goes idle. */
  readonly wq: WaitQueue;
  readonly response: PageResponseRegister;
  readonly log: DmaLog;
  /** The IOMMU's PASID-cache and IOTLB entries for this device's domain. */
  readonly iotlb: Iotlb;
  /** Set when it has finished (or stopped) its work. */
  readonly idle: Flag;
  private programmed: number | null = null;
  private stopping = false;

  constructor(world: World, name: string, iommu: IntelIommu) {
    assertBuilding(`the device ${name}`);
    super(world, name);
    this.iommu = iommu;
    this.wq = new WaitQueue(world, `${name}.wq`);
    this.response = new PageResponseRegister(world, `${name}.prg_response`);
    this.log = new DmaLog(world, `${name}.log`);
    this.idle = new Flag(world, `${name}.idle`, 'idle');
    this.iotlb = new Iotlb(world, `${iommu.name}.iotlb.${name}`);
    iommu.devices.push(this);
  }

  /** The PASID the driver programmed, or null (for conditions and steps). */
  get pasid(): number | null {
    this.observe();
    return this.programmed;
  }

  get stopRequested(): boolean {
    this.observe();
    return this.stopping;
  }

  /** Inside steps that declare the device. */
  program(pasid: number): void {
    this.programmed = pasid;
  }

  requestStop(): void {
    this.stopping = true;
  }

  snapshot(): ObjectState {
    const state = this.programmed === null ? 'waiting for a PASID' : `working on PASID ${this.programmed}${this.stopping ? ', told to stop' : ''}`;
    return { name: this.name, kind: this.kind, pasid: this.programmed, stopping: this.stopping, summary: state };
  }
}
