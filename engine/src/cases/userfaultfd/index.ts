import { coreScenario } from '../../core-scenario.ts';
import type { RwsemPolicy } from '../../sync/rwsem.ts';
import { resolveParams } from '../params.ts';
import type { Case } from '../types.ts';
import { buildWorld, type Form } from './build.ts';
import { listings } from './listing.ts';
import { OPS } from './variants.ts';

/**
 * Seed 3: "mm/userfaultfd: Replace kmap/kmap_atomic() with kmap_local_page()" (Ira Weiny, 2022).
 * kmap_atomic() disabled page faults as a side effect; kmap_local_page() does not. The copy in
 * mcopy_atomic_pte() runs with dst_mm's mmap_lock held for read, so without pagefault_disable() a
 * missing source page faults, and the fault takes current->mm's mmap_lock for read. A read queues
 * behind a waiting writer (Linux v6: kernel-semantics §1.3), so one mmap() per process is enough for
 * two processes copying from each other to block all four threads. The merged patch keeps page
 * faults disabled around the copy: it fails fast with -ENOENT, and __mcopy_atomic() copies the page
 * again outside the lock.
 */
export const userfaultfd: Case = {
  id: 'userfaultfd',
  title: 'userfaultfd: kmap_local_page() must keep page faults disabled in mcopy_atomic_pte()',
  subsystem: 'mm/userfaultfd.c',
  summary:
    'A UFFDIO_COPY that faults in its source page while holding the destination mm\'s mmap_lock queues behind a waiting mmap(); two processes doing it to each other block all four threads.',
  variants: [
    {
      id: 'buggy',
      label: 'buggy',
      description:
        'A conversion to kmap_local_page() that drops the pagefault_disable() kmap_atomic() implied: the hazard the patch warns about, not code that was merged.',
      expected: 'deadlock',
    },
    {
      id: 'fixed',
      label: 'fixed',
      description:
        'The merged patch: kmap_local_page() with pagefault_disable() around the copy, which fails fast so that __mcopy_atomic() copies the page again outside mmap_lock.',
      expected: 'ok',
    },
    {
      id: 'kmap_atomic',
      label: 'before (kmap_atomic)',
      description: 'The code before the patch (v6.1): kmap_atomic() disables page faults implicitly, so the copy under mmap_lock fails fast too.',
      expected: 'ok',
    },
  ],
  params: [
    {
      name: 'form',
      description:
        "'two-process': the four-thread deadly embrace (A1 and B1 each copy from their own memory into the other's; A2 and B2 call mmap()); 'one-process': T1 copies within its own mm while T2 calls mmap()",
      default: 'two-process',
      values: ['two-process', 'one-process'],
    },
    { name: 'pages', description: 'pages each UFFDIO_COPY fills (source pages, none resident)', default: 1, min: 1, max: 4 },
    {
      name: 'processes',
      description: "processes of the two-process form, in a ring: each one's handler serves the next one's userfaultfd, the last one's serves the first's (2: the embrace of the patch comment; one-process ignores it)",
      default: 2,
      min: 2,
      max: 3,
    },
    {
      name: 'policy',
      description:
        "mmap_lock's rwsem policy: 'phase-fair' is Linux v5.3+ (v6.1 here), 'fifo' Linux v4; 'reader-preferring' (not Linux) lets a reader join readers past a queued writer",
      default: 'phase-fair',
      values: ['fifo', 'phase-fair', 'reader-preferring'],
    },
  ],
  listings,
  upstream: {
    subject: 'mm/userfaultfd: Replace kmap/kmap_atomic() with kmap_local_page()',
    author: 'Ira Weiny',
    date: '2022-10-25',
    commit: '5521de7dddd2',
    unverified: [
      'That 5521de7dddd2 first shipped in v6.2-rc1 is not checked against the release tags; the message and the diff are those of the V2 patch email.',
      'The two-process instantiation is our derivation: the patch comment states the deadly embrace only at the level of locks; here each handler serves the other process\'s userfaultfd, received over a unix socket, and copies from a non-resident buffer of its own process.',
      'Whether a conversion without pagefault_disable() was ever posted or applied: the commit message cites a locking bug report we did not read. The buggy variant is the hazard the patch comment describes, not a known commit.',
      'The exception-table fixup by which copy_from_user() returns the bytes not copied under pagefault_disable() was not re-read; the documented contract is what is modelled.',
      'That a v6.1/v6.2 reader queues behind a waiting writer even when readers hold mmap_lock rests on a v6.x rwsem.c text, not on the v6.1 or v6.2 tag.',
    ],
  },
  build(params = {}) {
    const p = resolveParams(userfaultfd, params);
    const variant = p.variant;
    const form = p.form as Form;
    const pages = p.pages as number;
    const policy = p.policy as RwsemPolicy;
    const processes = form === 'two-process' ? (p.processes as number) : 1;
    const shape = processes > 2 ? `ring of ${processes} processes` : form;
    const name = `userfaultfd ${variant} (${shape}, ${pages} page${pages === 1 ? '' : 's'}, ${policy})`;
    return coreScenario(name, (k) => buildWorld(k, { form, pages, processes, policy, ops: OPS[variant]! }), {
      listing: listings[variant]!,
      // The mmap_locks the handlers embrace (one process: its own, taken twice).
      focus: form === 'two-process' ? Array.from({ length: processes }, (_, i) => `mm_${String.fromCharCode(65 + i)}.mmap_lock`) : ['mm_P.mmap_lock'],
      description: userfaultfd.variants.find((v) => v.id === variant)!.description,
    });
  },
};
