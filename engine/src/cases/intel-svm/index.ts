import { at } from '../../core/action.ts';
import { DelayedFput, delayed_fput } from '../../mm/file_table.ts';
import { do_exit } from '../../mm/exit.ts';
import { sys_mmap } from '../../mm/mmap.ts';
import { PAGE_SIZE } from '../../mm/vma.ts';
import {
  IntelIommu, IntelSvm, PRQ_WAITS_FOR, SvmDevice, SvmDriver, dmaStartsWhen, prq_event_thread, startAsleep, svm_device_dma, woken_wait_event,
} from '../../devices/intel-svm/index.ts';
import { coreScenario, type Scenario } from '../../core-scenario.ts';
import { wait_event } from '../../sync/waitqueue.ts';
import { resolveParams } from '../params.ts';
import type { Case } from '../types.ts';
import { listings } from './listing.ts';
import type { Variant } from './variant.ts';
import { intelMmuOps, prqHandler, svmApi } from './svm.ts';

/** P's buffer, which the devices work on; its pages are not there until something touches them. */
export const BUF = 0x10000;
/** Where P maps the device file (the device's doorbell page). */
export const PORTAL = 0x40000;

/**
 * Seed 4 (shared/research/kernel-semantics.md, "Seed 4 — iommu/vt-d SVM"). Threads:
 *
 * - `P`, the process (single-threaded, its device file open from the start): binds its mm to the
 *   devices through the device file (ioctl SVM_BIND), maps the file, starts the devices (ioctl
 *   SVM_START) and exits (do_exit: exit_mm, whose mmput may run exit_mmap, then exit_files, whose
 *   fput may call the driver's ->release, which unbinds).
 * - `PRQ`, the IOMMU's page-request thread: answers the devices' page requests by faulting the
 *   pages in on P's mm. Its mmput may be the last one: exit_mmap then runs on it, and if that
 *   drops the last reference to the device file, the file's ->release goes to `kworker`.
 * - `DMA` (one per device): the device, translating addresses of P's buffer through the PASID.
 * - `kworker`: fs/file_table.c's delayed_fput, which finishes a kernel thread's last fput.
 *
 * Objects are named so that the leak reads as the seed tells it: `P.mm` → `P.mm.vma@0x40000` (the
 * mapping of the device file) → `svm_dev` (the file) → `svm` (the PASID binding) → `P.mm`.
 */
function build(variant: Variant, requests: number, devices: number): Scenario {
  const name = `intel-svm ${variant} (${requests} request${requests === 1 ? '' : 's'}, ${devices} device${devices === 1 ? '' : 's'})`;
  const suffix = (i: number) => (devices === 1 ? '' : String(i));
  return coreScenario(name, (k) => {
    const iommu = new IntelIommu(k, 'dmar0');
    const P = k.process('process P', { mm: 'P.mm', lock: 'mmap_sem' });
    P.mm.addVma(BUF, requests * PAGE_SIZE);
    const svm = new IntelSvm(k, 'svm', iommu, intelMmuOps(variant));
    const devs = Array.from({ length: devices }, (_, i) => new SvmDevice(k, `dev${suffix(i)}`, iommu));
    const drv = new SvmDriver(P, 'svm_dev', devs, svmApi(variant, iommu, svm));
    const delayed = k.object((w) => new DelayedFput(w));
    const addresses = Array.from({ length: requests }, (_, i) => BUF + i * PAGE_SIZE);
    const releaseCode = ['intel_mm_release', 'svm_dev_release', 'intel_svm_unbind_mm'];

    P.thread('P', function* () {
      yield* at('P.bind', drv.bind());
      yield* at('P.mmap', sys_mmap(PORTAL, PAGE_SIZE, { file: drv.file, shared: true }));
      yield* at('P.start', drv.start());
      yield* at('P.exit', do_exit());
    }, { code: ['main', 'svm_dev_ioctl', 'intel_svm_bind_mm', ...releaseCode], role: 'the process' });

    // PRQ, the devices and the worker are asleep when the story begins.
    const prq = k.thread('PRQ', function* () {
      yield* prq_event_thread(iommu, prqHandler(variant), [delayed.work]);
    }, { code: ['prq_event_thread', 'intel_mm_release'], role: 'page-request thread' });
    startAsleep(prq, iommu.prq.irq, PRQ_WAITS_FOR);

    devs.forEach((dev, i) => {
      const dma = k.thread(`DMA${suffix(i)}`, function* () {
        yield* svm_device_dma(dev, addresses);
      }, { code: ['svm_device_dma'], role: devices === 1 ? 'the device' : `device ${i}` });
      startAsleep(dma, dev.wq, dmaStartsWhen(dev));
    });

    const work = () => delayed.pending > 0 || iommu.prq.stopped.value;
    const workWhat = 'a file is queued or the page-request thread has stopped';
    const kworker = k.thread('kworker', function* () {
      for (let first = true; ; first = false) {
        yield* at('kw.wait', first ? woken_wait_event(delayed.work, work, workWhat) : wait_event(delayed.work, work, workWhat));
        if ((yield* at('kw.run', delayed_fput(delayed))) === 0) return;
      }
    }, { code: ['delayed_fput', 'svm_dev_release', 'intel_svm_unbind_mm'], role: 'delayed fput' });
    startAsleep(kworker, delayed.work, workWhat);
  }, { listing: listings[variant], focus: ['P.mm', 'svm_dev', 'svm'], description: intelSvm.variants.find((v) => v.id === variant)!.description });
}

export const intelSvm: Case = {
  id: 'intel-svm',
  title: 'intel-svm: a PASID binding that keeps its mm alive forever',
  subsystem: 'drivers/iommu/intel-svm.c',
  summary:
    'Binding a process to a device held mm_users; when the device file is also mmap()ed, mm → VMA → device file → PASID binding → mm is a cycle, and the exited process is never freed.',
  variants: [
    {
      id: 'buggy',
      label: 'buggy',
      description: 'Before the fix: the PASID binding holds mm_users from bind to unbind, and unbind happens only in the device file\'s ->release.',
      expected: 'leak',
    },
    {
      id: 'fixed',
      label: 'fixed',
      description: 'After the fix: the binding holds only mm_count; ->release clears the PASID entry and flushes the caches; page requests on a defunct mm are answered INVALID.',
      expected: 'ok',
    },
    {
      id: 'no-mm-count',
      label: 'mm_users in the binding',
      description: 'Our own half-fixed variant, not an upstream state: ->release and the page-request handler as in the fix, but the binding still keeps the mm_users reference get_task_mm took (mmget, not the notifier\'s mmgrab), as before the fix.',
      expected: 'leak',
    },
    {
      id: 'no-release-flush',
      label: 'no flush in ->release',
      description: 'Our own half-fixed variant, not an upstream state: mm_count as in the fix, but ->release clears the PASID entry without flushing the PASID cache and IOTLB, as before the fix.',
      expected: 'violation',
    },
    {
      id: 'no-fault-check',
      label: 'no mm_users check on faults',
      description: 'Our own half-fixed variant, not an upstream state: mm_count and ->release as in the fix, but the page-request handler faults on the mm without taking mm_users, as before the fix.',
      expected: 'violation',
    },
  ],
  fixParts: [
    { id: 'mm-count', label: 'the binding holds only mm_count (the notifier\'s mmgrab): intel_svm_bind_mm drops the mm_users that get_task_mm took', variant: 'no-mm-count' },
    { id: 'release-flush', label: '->release (intel_mm_release) flushes the PASID cache and IOTLB after clearing the PASID entry', variant: 'no-release-flush' },
    { id: 'fault-check', label: 'the page-request handler takes mm_users (atomic_inc_not_zero) before it faults on the mm, and answers INVALID if it cannot', variant: 'no-fault-check' },
  ],
  params: [
    { name: 'requests', description: 'pages of P\'s buffer each device accesses (a page request each)', default: 1, min: 1, max: 4 },
    { name: 'devices', description: 'devices bound to the PASID (sdevs), each with its own DMA', default: 1, min: 1, max: 2 },
  ],
  listings,
  upstream: {
    subject: 'iommu/vt-d: Fix mm refcounting to hold mm_count not mm_users',
    author: 'David Woodhouse',
    date: '2016-01-13 (patch email)',
    commit: 'e57e58bd390a',
    unverified: [
      'That e57e58bd390a first shipped in v4.5-rc is not checked against the release tags; the message and the diff are those of the patch email of 2016-01-13 (Cc: stable).',
      'That a driver unbinds in its file_operations.release is the commit message\'s narrative ("typically"); the svm_dev driver here is our own, as no driver is named.',
      'The moment an exited task drops its active_mm (the lazy-TLB switch) is not verified; here it is the task\'s last step.',
      'fput from a kernel thread handing the file to delayed_fput is read in fs/file_table.c texts of v3.x and v4.x–v6.x, not in v4.4 itself.',
    ],
  },
  build(params = {}) {
    const p = resolveParams(intelSvm, params);
    return build(p.variant as Variant, p.requests as number, p.devices as number);
  },
};
