import { VfioPciDevice, mapBarAtBuild, type BarMapping } from '../../devices/vfio-pci.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import type { RwsemPolicy } from '../../sync/rwsem.ts';
import { coreScenario, type Scenario } from '../../core-scenario.ts';
import { resolveParams } from '../params.ts';
import type { Case, CaseVariant } from '../types.ts';
import type { Driver } from './driver.ts';
import { fixed } from './fixed.ts';
import { listings } from './listing.ts';
import { naiveOrder } from './naive-order.ts';
import { preSeries } from './pre-series.ts';
import { BAR0_AT, BAR2_AT, UserView, config, configProgram, mapper, vcpu, type Env, type Script } from './threads.ts';
import { v58 } from './v5.8.ts';

/**
 * The vfio-pci case (seed 004): "Re: [PATCH 3/3] vfio-pci: Invalidate mmaps and block MMIO access on
 * disabled memory", Alex Williamson, 2020-05-05, merged as abafbc551fdd (v5.8, CVE-2020-12888).
 *
 * A user who owns a PCI device through vfio-pci can turn the device's memory decode off (clear
 * PCI_COMMAND_MEMORY, or reset it) while a BAR is mmapped; before the series the mapping stayed and
 * an access through it reached disabled device memory, which on some hosts is a fatal error. The
 * series tracks every mapped VMA on vma_list and zaps them before memory is disabled; a fault while it
 * is disabled gets SIGBUS. Zapping needs each mapping's mmap_sem, which the fault path already
 * holds: the document fixes the lock order mmap_sem → vma_lock → memory_lock.
 *
 * Variants: `buggy` (before the series), `naive-order` (the series' state, memory_lock taken first:
 * ours, to show the order problem), `v5.8` (as merged: the document's order, with bar_rw holding
 * memory_lock across copy_from_user, whose deadlock bc93b9ae0151 fixed), `fixed` (the document's
 * order with bc93b9ae's bar_rw, and vma_lock held across the fault's remap).
 *
 * The rwsems follow the v5.3+ policy, 'phase-fair' by default. Simplification: v5.3–v5.10 also let
 * a reader spin and take a read-held lock past a queued writer until the writer sets HANDOFF
 * (timing-dependent; kernel-semantics.md §1.2); that is not modelled, so a reader always queues
 * behind a waiting writer, as in v4.x and v6.x.
 */

const AUTO: Record<string, Script> = { buggy: '5a', 'naive-order': 'writer', 'v5.8': '5c', fixed: '5b' };

const DRIVERS: Record<string, Driver> = { buggy: preSeries, 'naive-order': naiveOrder, 'v5.8': v58, fixed };

const SCRIPTS: readonly string[] = ['auto', '5a', '5b', '5c', 'writer'];

const variants: readonly CaseVariant[] = [
  {
    id: 'buggy',
    label: 'buggy (v5.7)',
    description: 'Before the series: a BAR stays mapped after PCI_COMMAND_MEMORY is cleared, so a load through the mapping reaches disabled device memory.',
    expected: 'violation',
  },
  {
    id: 'naive-order',
    label: 'naive order',
    description: 'Not upstream code: the series with memory_lock taken for write before each mapping\'s mmap_sem, against a fault that holds mmap_sem and wants memory_lock; a queued mmap() completes the cycle.',
    expected: 'deadlock',
  },
  {
    id: 'v5.8',
    label: 'v5.8',
    description: 'As merged in abafbc551fdd: the document\'s order, but bar_rw holds memory_lock across copy_from_user, and a buffer in the device\'s own mapping faults back into the driver.',
    expected: 'deadlock',
  },
  {
    id: 'fixed',
    label: 'fixed',
    description: 'The document\'s order with bc93b9ae\'s per-access memory_lock in bar_rw and vma_lock held across the fault\'s remap: accesses while memory is off get SIGBUS or -EIO.',
    expected: 'ok',
  },
];

export const vfioPci: Case = {
  id: 'vfio-pci',
  title: 'vfio-pci: zapping BAR mappings before memory is disabled, in the right lock order',
  subsystem: 'drivers/vfio/pci',
  summary: 'A BAR mmap stayed mapped while the device\'s memory decode was off (CVE-2020-12888); zapping it needs mmap_sem, which the fault path already holds, so the locks need an order.',
  variants,
  fixParts: [
    {
      id: 'lock-order',
      label: "the zap takes each mapping's mmap_sem with vma_lock dropped and memory_lock not yet held, then memory_lock for write (vfio_pci_zap_and_down_write_memory_lock)",
      variant: 'naive-order',
    },
    {
      id: 'per-access-lock',
      label: 'vfio_pci_bar_rw holds memory_lock only around each MMIO access, not across copy_from_user (bc93b9ae0151)',
      variant: 'v5.8',
    },
  ],
  params: [
    {
      name: 'script',
      description:
        "which threads run: 5a (T1 maps BAR0 and reads it; T2 turns memory off), 5b (T1 maps BAR0 and reads it by load, pread, load; T2 turns memory off, then on), 5c (T1 maps BAR0 and pwrites BAR1 from that mapping; T2 turns memory off), writer (BAR0 and BAR2 are mapped and BAR0 was read; T1 reads BAR2; T2 turns memory off; T3 mmaps); auto: the variant's own (buggy 5a, naive-order writer, v5.8 5c, fixed 5b)",
      default: 'auto',
      values: SCRIPTS,
    },
    { name: 'mappings', description: 'processes that map BAR0: P1, and beyond one the mms of P2 and P3, which mapped BAR0 and read it before the threads start and are idle now (each is one more mm for the zap to visit)', default: 1, min: 1, max: 3 },
    { name: 'accesses', description: 'how often T1 reads: in 5a, loads of the mapping; in 5b, rounds of pread then load after the first load (5c and writer do not use it)', default: 1, min: 1, max: 3 },
    {
      name: 'faults',
      description:
        'the model\'s bound on page faults per access through a mapping: a zap between a fault and the retried access unmaps the page again, which an unfair scheduler could repeat forever; past the bound the access stops retrying (result "retry bound")',
      default: 1,
      min: 1,
      max: 3,
    },
    { name: 'disable', description: 'how T2 turns memory decode off: command (a PCI_COMMAND write) or reset (VFIO_DEVICE_RESET)', default: 'command', values: ['command', 'reset'] },
    { name: 'policy', description: 'rwsem policy of mmap_sem and memory_lock (phase-fair: a release wakes every queued reader, as the rwsem of v5.3 and later does, the era of v5.8)', default: 'phase-fair', values: ['phase-fair', 'fifo', 'reader-preferring'] },
  ],
  listings,
  upstream: {
    subject: 'vfio-pci: Invalidate mmaps and block MMIO access on disabled memory',
    author: 'Alex Williamson',
    date: '2020-05-05 (the document, a reply in the patch thread)',
    commit: 'abafbc551fdd',
    unverified: [
      'The commit message of abafbc551fdd was not retrieved; its code (drivers/vfio/pci/vfio_pci.c at that commit) and the CVE-2020-12888 description were read.',
      'That abafbc551fdd was first released in v5.8, and the release of bc93b9ae0151 "vfio-pci: Avoid recursive read-lock usage" (whose message was read).',
      'What the bus does with an access to a BAR whose memory decode is off (an unsupported request or master abort, reads of all ones): generic PCI behaviour, not re-read; the CVE text says some devices raise a fatal error and the host may crash.',
      'That pci_try_reset_function restores PCI_COMMAND (memory decode on) when the reset is done.',
      'The upstream hash of "vfio/pci: Handle concurrent vma faults" (believed 6a45ece4c9af); its v3 patch mail of 2021-06-29 was read.',
      'Derivation: the vma_lock leg of the v5.8 deadlock (bc93b9ae names only the recursive read of memory_lock).',
      'Derivation: the naive-order variant is our illustration of the lock-order problem the document solves, not an earlier version of the patch.',
      'Derivation: in abafbc551fdd the fault handler drops vma_lock before remap_pfn_range, so a zap can run in between, miss the pages and let memory be disabled while they get mapped (script 5a on v5.8 shows it); the fixed variant keeps vma_lock across the remap, as the 2021 change does for a different reason.',
    ],
  },
  build(params = {}): Scenario {
    const p = resolveParams(vfioPci, params);
    const variant = p.variant;
    const script = (p.script === 'auto' ? AUTO[variant]! : p.script) as Script;
    const mappings = p.mappings as number;
    const policy = p.policy as RwsemPolicy;
    const disable = p.disable as Env['disable'];
    const driver = DRIVERS[variant]!;
    const l = listings[variant]!;
    const has = (f: string) => l.functions.some((x) => x.name === f);
    const code = (...fns: string[]) => fns.filter(has);
    const vcpuCode = (fn: string, mmaps: boolean, rw: boolean) =>
      code(fn, ...(mmaps ? ['vfio_pci_mmap'] : []), 'vfio_pci_mmap_fault', ...(rw ? ['vfio_pci_bar_rw', 'vfio_pci_iowrite32', 'vfio_pci_ioread32'] : []));
    const t2 = configProgram(script, disable);
    const description = variants.find((v) => v.id === variant)!.description;
    // The script always, then every other parameter not at its default: one name per scenario.
    const others = vfioPci.params.filter((q) => q.name !== 'script' && p[q.name] !== q.default).map((q) => `, ${q.name}=${p[q.name]}`);

    return coreScenario(
      `vfio-pci ${variant} (script ${script}${others.join('')})`,
      (k) => {
        const series = variant !== 'buggy';
        const vdev = k.object((w) => new VfioPciDevice(w, 'vdev', { series, policy, maxFaults: p.faults as number }));
        const P1 = k.process('P1', { lock: 'mmap_sem', policy });
        const devfd = P1.open('devfd', { mmap: driver.mmap });
        devfd.private_data = vdev;
        /** A BAR that `mm` mapped before the threads start; `read`: it has been read since (faulted in and tracked). */
        const premap = (mm: MmStruct, bar: number, address: number, read: boolean): BarMapping => {
          const m = mapBarAtBuild(mm, devfd, vdev, bar, address, read || !series);
          m.vma.vm_ops = driver.vmOps;
          if (series && read) vdev.vma_list.add(m.vma);
          return m;
        };
        const premapped: Record<number, BarMapping> = {};
        if (script === 'writer') {
          // A running VMM: BAR0 and BAR2 are mapped, and BAR0 has been read.
          premapped[0] = premap(P1.mm, 0, BAR0_AT, true);
          premapped[2] = premap(P1.mm, 2, BAR2_AT, false);
        }
        const env: Env = { vdev, devfd, driver, accesses: p.accesses as number, disable, premapped };
        const view = (name: string) => k.object((w) => new UserView(w, `${name}.user`));

        const t1 = vcpu[script];
        const v1 = view('T1');
        P1.thread('T1', function* () {
          yield* t1.body(env, v1);
        }, { code: vcpuCode(t1.fn, script !== 'writer', script === '5b' || script === '5c'), role: 'vCPU on BAR0' });
        const v2 = view('T2');
        P1.thread('T2', function* () {
          yield* config(env, t2, v2);
        }, {
          code: code(t2, t2 === 'reset_device' ? 'vfio_pci_ioctl_reset' : 'vfio_basic_config_write', 'vfio_pci_zap_and_down_write_memory_lock', 'vfio_pci_zap_and_vma_lock'),
          role: t2 === 'reset_device' ? 'VFIO_DEVICE_RESET' : 'memory decode off',
        });
        if (script === 'writer') {
          const v3 = view('T3');
          P1.thread('T3', function* () {
            yield* mapper(v3);
          }, { code: code('mapper'), role: 'mmap()' });
        }
        for (let i = 2; i <= mappings; i++) {
          // Another process that mapped BAR0 and read it, idle now: one more mm for the zap to visit.
          const mm = k.mm(`P${i}.mm`, { lock: 'mmap_sem', policy });
          devfd.f_count.init(null, 'fd_install');
          premap(mm, 0, BAR0_AT, true);
        }
      },
      // The series adds memory_lock, whose order against mmap_sem is the story; before it, the command register is.
      { listing: l, description, focus: variant === 'buggy' ? ['pdev.command', 'P1.mm.mmap_sem'] : ['vdev.memory_lock', 'P1.mm.mmap_sem', 'pdev.command'] },
    );
  },
};
