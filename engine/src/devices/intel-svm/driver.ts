/** The driver: a device file whose ioctl binds the caller's mm and whose ->release unbinds it. */
import { act, at, perform, type Op } from '../../core/action.ts';
import { KObject, WRITE, type ObjectState } from '../../core/object.ts';
import type { World } from '../../core/world.ts';
import type { File, FileOperations } from '../../mm/file.ts';
import type { Process } from '../../mm/process.ts';
import { type VmArea } from '../../mm/vma.ts';
import { checkAlive } from '../../sync/lock.ts';
import { kfree } from '../../sync/slab.ts';
import { wait_event } from '../../sync/waitqueue.ts';
import type { SvmDevice } from './device.ts';

/** The IOMMU API the driver calls: the code the fix changed. */
export interface SvmApi {
  /** `intel_svm_bind_mm(dev, &pasid, 0, NULL)` for the calling process, on behalf of `owner` (the file); returns the PASID. */
  bind(dev: SvmDevice, owner: File): Op<number>;
  /** `intel_svm_unbind_mm(dev, pasid)`, on behalf of `owner`. */
  unbind(dev: SvmDevice, pasid: number, owner: File): Op<void>;
}

/** The driver's per-file context (`file->private_data`): its devices and the PASID they use. */
export class SvmCtx extends KObject {
  readonly kind = 'svm_ctx';
  readonly devices: readonly SvmDevice[];
  pasid: number | null = null;

  constructor(world: World, name: string, devices: readonly SvmDevice[]) {
    super(world, name);
    this.devices = devices;
  }

  snapshot(): ObjectState {
    const state = this.freed ? `freed at step ${this.freed.step + 1}` : this.pasid === null ? 'not bound' : `PASID ${this.pasid} on ${this.devices.map((d) => d.name).join(', ')}`;
    return { name: this.name, kind: this.kind, pasid: this.pasid, summary: state };
  }
}

/** `ctx->pasid = pasid`. */
function* svm_ctx_set(ctx: SvmCtx, pasid: number): Op<void> {
  yield* perform(
    act('svm_ctx_set', ctx, WRITE, () => {
      ctx.pasid = pasid;
      ctx.world.note(() => `${ctx.name}: PASID ${pasid}`);
    }),
  );
}

/** `svm_dev_start`: programs the context's PASID into every device (they start their DMA). */
function* svm_dev_start(ctx: SvmCtx): Op<void> {
  yield* perform(
    act('svm_dev_start', ctx, WRITE, (t) => {
      checkAlive(ctx, t, 'svm_dev_start');
      const pasid = ctx.pasid;
      if (pasid === null) throw new Error('svm_dev_start: the context has no PASID; bind first');
      for (const d of ctx.devices) {
        d.program(pasid);
        if (d.wq.waiters.length > 0) d.wq.wake();
      }
      ctx.world.note(() => `programs PASID ${pasid} into ${ctx.devices.map((d) => d.name).join(', ')}`);
    }, [...ctx.devices, ...ctx.devices.map((d) => d.wq)]),
  );
}

/** `svm_dev_stop`: tells every device to stop; returns the PASID the context holds. */
function* svm_dev_stop(ctx: SvmCtx): Op<number | null> {
  return yield* perform(
    act('svm_dev_stop', ctx, WRITE, (t) => {
      checkAlive(ctx, t, 'svm_dev_stop');
      for (const d of ctx.devices) d.requestStop();
      ctx.world.note(() => `tells ${ctx.devices.map((d) => d.name).join(', ')} to stop`);
      return ctx.pasid;
    }, [...ctx.devices]),
  );
}

/** A device file whose driver binds SVM: made open in a process, with its context. */
export class SvmDriver {
  readonly file: File;
  readonly ctx: SvmCtx;
  readonly devices: readonly SvmDevice[];
  readonly api: SvmApi;

  constructor(process: Process, name: string, devices: readonly SvmDevice[], api: SvmApi) {
    if (devices.length === 0) throw new Error(`${name}: the driver needs at least one device`);
    this.devices = devices;
    this.api = api;
    this.ctx = new SvmCtx(process.world, `${name}.ctx`, devices);
    const fops: FileOperations = {
      // ->mmap maps the device's doorbell page (not modelled): the VMA holds the file, nothing more.
      *mmap(_file: File, _vma: VmArea) {
        return 0;
      },
      release: (file) => this.release(file),
    };
    this.file = process.open(name, fops);
    this.file.private_data = this.ctx;
  }

  /** `svm_dev_ioctl(file, SVM_BIND)`: binds the caller's mm to every device; the context keeps the PASID. */
  *bind(): Op<number> {
    let pasid = -1;
    for (const dev of this.devices) pasid = yield* at('ioctl.bind', this.api.bind(dev, this.file));
    yield* at('ioctl.pasid', svm_ctx_set(this.ctx, pasid));
    return 0;
  }

  /** `svm_dev_ioctl(file, SVM_START)`: programs the PASID into the devices, which start their DMA. */
  *start(): Op<number> {
    yield* at('ioctl.start', svm_dev_start(this.ctx));
    return 0;
  }

  /**
   * `svm_dev_release`, the file's ->release: stop the devices and wait until they are idle (no page
   * request may be outstanding when intel_svm_unbind_mm runs), unbind each, free the context.
   */
  *release(file: File): Op<void> {
    const pasid = yield* at('drv.stop', svm_dev_stop(this.ctx));
    for (const dev of this.devices) yield* at('drv.quiesce', wait_event(dev.wq, () => dev.idle.value, `${dev.name} is idle`));
    if (pasid !== null) for (const dev of this.devices) yield* at('drv.unbind', this.api.unbind(dev, pasid, file));
    yield* at('drv.free', kfree(this.ctx));
  }
}
