import { lazyListings, type Listing } from '../../core/listing.ts';
import { CxlAccelerator, accel_translation_fault } from '../../devices/cxl.ts';
import { sys_brk } from '../../mm/mmap.ts';
import { sys_mmap_fixed } from '../../mm/mmap_fixed.ts';
import { PAGE_SIZE } from '../../mm/vma.ts';
import { coreScenario, type Scenario } from '../../core-scenario.ts';
import { RWSEM_POLICIES, type RwsemPolicy } from '../../sync/rwsem.ts';
import { resolveParams } from '../params.ts';
import type { Case } from '../types.ts';
import { cxllib_handle_fault, cxllib_handle_fault_v4_17 } from './cxllib.ts';
import { bufferLayout } from './layout.ts';
import { brkLabel, linesByOp, mmapLabel } from './lines.ts';
import {
  T1_CODE_BUGGY, T1_CODE_FIXED, T2_CODE, T3_CODE, cxlListings,
} from './listing.ts';

/**
 * Seed 1, cxl (shared/seeds/000, shared/research/kernel-semantics.md "Seed 1 — cxl"). An external
 * driver (T1) calls `cxllib_handle_fault` to fault in a buffer for its accelerator. Before the fix it
 * holds `mmap_sem` for read (R1) across the loop, and `copro_handle_mm_fault` takes it for read again
 * for each page (R2). When another thread of the process (T2, in `brk`) queues for write between the
 * two, R2 queues behind it (v4.x rwsems let no new reader past a waiting writer) and T2 waits for R1:
 * a deadlock. The fix drops R1 once it has copied the VMA's bounds and page size, and accepts that a
 * page may be missed: the accelerator faults on it again. In the fixed variant a third thread (T3)
 * remaps the end of the buffer with mmap(MAP_FIXED), which can make a page T1 already faulted in
 * vanish before the accelerator touches it; the accelerator retries, and every access succeeds.
 *
 * Derivations (ours, not the seed's) that the page must show as such:
 * - the accelerator's retry protocol (fault the whole buffer, then one fault per missed page, at most
 *   ACCEL_MAX_RETRIES times a page) models the fix's comment; the real driver is not one we read [U];
 * - T3 and its mmap(MAP_FIXED) are our instance of "the address space/VMAs could evolve while T1
 *   iterates"; the seed names no such thread;
 * - the buffer's layout (a 64K-page VMA then 4K-page VMAs) is ours.
 */

const variants = [
  {
    id: 'buggy',
    label: 'buggy',
    description: 'cxllib_handle_fault as in v4.13 to v4.17: mmap_sem is held for read across the loop that faults each page in, and copro_handle_mm_fault takes it for read again.',
    expected: 'deadlock',
  },
  {
    id: 'fixed',
    label: 'fixed',
    description: 'The fix: get_vma_info holds mmap_sem only to look a VMA up, so copro_handle_mm_fault takes it with nothing held; a page missed meanwhile is faulted again when the accelerator retries.',
    expected: 'ok',
  },
  {
    id: 'no-retry',
    label: 'no retry',
    description: "Our own variant, not an upstream state: the fixed cxllib_handle_fault, but the driver never asks again for a page the accelerator misses, so a page T3's remap took away after T1 faulted it in stays missed.",
    expected: 'violation',
  },
] as const;

const params = [
  { name: 'pages', description: 'Pages of the buffer the accelerator touches (one access in each).', default: 3, min: 1, max: 8 },
  { name: 'vmas', description: 'VMAs the buffer spans: the first maps 64K pages, the others 4K pages (at most pages).', default: 2, min: 1, max: 4 },
  {
    name: 'policy',
    description: "mmap_sem's rwsem policy: 'fifo' is v4.17's (a reader queues behind a waiting writer); 'reader-preferring' lets a recursive read through, and the deadlock goes.",
    default: 'fifo',
    values: RWSEM_POLICIES,
  },
  {
    name: 'remap',
    description: "Whether T3 maps fresh memory over the end of the buffer (mmap with MAP_FIXED) while T1 works: 'auto' is on in the fixed variants (fixed, no-retry) only, so the buggy variant has only T1 and T2, as the commit message tells it.",
    default: 'auto',
    values: ['auto', 'on', 'off'],
  },
];

function build(given: Record<string, string | number> = {}): Scenario {
  const p = resolveParams(cxl, given);
  const pages = p.pages as number;
  const vmaCount = p.vmas as number;
  const policy = p.policy as RwsemPolicy;
  const fixed = p.variant !== 'buggy';
  const remap = p.remap === 'on' || (p.remap === 'auto' && fixed);
  const layout = bufferLayout(pages, vmaCount);
  const last = layout.vmas[layout.vmas.length - 1]!;
  return coreScenario(
    `cxl ${p.variant} (pages=${pages}, vmas=${vmaCount}, policy=${policy}, remap=${remap ? 'on' : 'off'})`,
    (k) => {
      const P = k.process('P', { mm: 'mm', lock: 'mmap_sem', policy });
      for (const v of layout.vmas) P.mm.addVma(v.start, v.len, { pageSize: v.pageSize, flags: v.flags });
      const acc = k.object((w) => new CxlAccelerator(w, 'accel', P.mm, layout.buffer));
      const handle = fixed ? cxllib_handle_fault : cxllib_handle_fault_v4_17;
      k.thread(
        'T1',
        function* () {
          yield* accel_translation_fault(acc, handle, 0, p.variant !== 'no-retry');
        },
        { code: fixed ? T1_CODE_FIXED : T1_CODE_BUGGY, role: 'cxl driver' },
      );
      P.thread(
        'T2',
        function* () {
          yield* linesByOp(brkLabel, sys_brk(P.mm.start_brk + PAGE_SIZE));
        },
        { code: T2_CODE, role: 'brk()' },
      );
      if (remap) {
        P.thread(
          'T3',
          function* () {
            yield* linesByOp(mmapLabel, sys_mmap_fixed(last.start, last.len, { prot: last.flags, pageSize: last.pageSize }));
          },
          { code: T3_CODE, role: 'mmap(MAP_FIXED)' },
        );
      }
    },
    { listing: listingOf(fixed, remap), focus: ['mm.mmap_sem'], description: variants.find((v) => v.id === p.variant)!.description },
  );
}

/** The variant's listing; T3's sys_mmap is shown whenever T3 runs. */
function listingOf(fixed: boolean, remap: boolean): Listing {
  if (fixed) return remap ? cxlListings.fixed : cxlListings.fixedNoRemap;
  return remap ? cxlListings.buggyRemap : cxlListings.buggy;
}

export const cxl: Case = {
  id: 'cxl',
  title: 'cxl: a recursive read of mmap_sem in cxllib_handle_fault',
  subsystem: 'drivers/misc/cxl',
  summary: "cxllib_handle_fault holds mmap_sem for read while copro_handle_mm_fault takes it for read again, so a writer queued in between (brk) deadlocks both threads.",
  variants,
  params,
  fixParts: [
    {
      id: 'retry',
      label: 'the driver asks cxllib_handle_fault again for each page the accelerator misses, so a page unmapped after get_vma_info dropped mmap_sem is faulted in again',
      variant: 'no-retry',
    },
  ],
  listings: lazyListings({ buggy: () => cxlListings.buggy, fixed: () => cxlListings.fixed, 'no-retry': () => cxlListings.fixed }),
  upstream: {
    subject: 'cxl: Fix possible deadlock when processing page faults from cxllib',
    author: 'Frederic Barrat',
    date: '2018',
    unverified: [
      '[U] The upstream commit hash: the commit was read only as a cherry-pick (ad7b4e8022b9) on a third-party mirror.',
      '[U] The date: only the year, 2018, and the kernels it fixes (v4.13 to v4.17, "Cc: stable # 4.13+") are known.',
      '[U] That powerpc used the generic xadd rwsem in v4.17; the rule the bug needs (a reader queues behind a waiting writer) is the same in every v4.x rwsem.',
      '[U] That brk took mmap_sem with down_write (down_write_killable since about v4.7); killability changes nothing here.',
      "[U] The external driver that calls cxllib (for an adapter with IBM's XSL) is not code we read: that it faults the whole buffer first, then asks again for each page the accelerator misses, at most 3 times a page, is our model of the fix's comment.",
      "Derivation: T3, which maps fresh memory over the end of the buffer with mmap(MAP_FIXED), is our instance of the commit's remark that the VMAs may change while T1 walks the buffer; the commit names no such thread.",
      'Derivation: the buffer layout (a VMA of 64K pages, then VMAs of 4K pages) and the accelerator touching one cache line in each page are ours.',
      "Derivation: on v5.3 to v5.10 rwsems, R2 might slip past the waiting writer by reader optimistic spinning (until the writer sets handoff), so there the deadlock depends on timing; the 'phase-fair' policy does not model spinning, and deadlocks.",
    ],
  },
  build,
};
