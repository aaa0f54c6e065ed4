import { lazyListings } from '../../core/listing.ts';
import { RWSEM_POLICIES, type RwsemPolicy } from '../../sync/rwsem.ts';
import { resolveParams } from '../params.ts';
import type { Case } from '../types.ts';
import { buildHmm, type HmmBug, type HmmCaseVariant } from './build.ts';
import { listings } from './listing.ts';

/**
 * Seed 2: "mm/hmm: Fix error flows in hmm_invalidate_range_start" (Jason Gunthorpe, 2019). Two bugs in
 * one function, chosen by the `bug` parameter:
 *
 * - `'notifiers'` (scenario A, the default): the OOM reaper's non-blocking invalidation raises
 *   `hmm->notifiers`, fails to trylock `mirrors_sem` (another driver holds it for write, in
 *   `hmm_mirror_unregister`) and returns -EAGAIN; the reaper then calls no invalidate_range_end, so
 *   the count never comes down, no range is ever valid again, and the driver waiting in
 *   `hmm_range_wait_until_valid` waits for ever: a deadlock.
 * - `'eagain'` (scenario B): a mirror cannot clear its GPU's page table without sleeping and says
 *   -EAGAIN, but an inner `int ret` hides it and the start returns 0; the reaper goes on to unmap the
 *   pages while the GPU still reads them through its page table: a violation of the mmu notifier
 *   contract.
 *
 * The fix makes the ranges lock a spinlock and undoes the count on every error path; both scenarios
 * are then `'ok'`. Before the fix, a successful non-blocking start is followed by an
 * invalidate_range_end that takes the mutex, which may sleep where the contract says the end must not:
 * a third defect the same change cured, shown by `bug: 'end'` (scenario C; scenario A is staged so
 * that its reaper never gets that far).
 *
 * Three more variants (ours) are the fixed code with one part of the fix left out (`fixParts`):
 * `no-unwind` brings scenario A's deadlock back; `no-eagain` brings scenario B's violation back (and
 * is 'ok' in A and C, which never reach a mirror that says -EAGAIN); `no-spinlock` keeps the unwind
 * but it takes the mutex in the non-blockable start, a sleep where none is allowed, in every scenario.
 *
 * Two more have a scenario of their own, D (snapshot.ts): `valid-window`, the fixed code's range->valid
 * check, which an invalidation that starts and ends between the driver's read of the page table and
 * its check slips past; and `seq-retry`, the interval notifier's sequence count that replaced it in
 * v5.5, which does not let it slip past.
 */
export const hmm: Case = {
  id: 'hmm',
  title: 'hmm: error paths of hmm_invalidate_range_start that leak a count and hide -EAGAIN',
  subsystem: 'mm/hmm.c',
  summary: 'A non-blocking invalidation that fails leaves hmm->notifiers raised for ever, and one whose mirror says -EAGAIN reports success anyway.',
  variants: [
    {
      id: 'buggy',
      label: 'buggy',
      description: 'hmm_invalidate_range_start before the fix: the ranges lock is a mutex, a failed trylock of mirrors_sem returns with the count raised, and a mirror\'s -EAGAIN is lost to an inner ret.',
      expected: 'deadlock',
    },
    {
      id: 'fixed',
      label: 'fixed',
      description: 'After 5a136b4ae327: the ranges lock is a spinlock, every error path calls notifiers_decrement, and a mirror\'s -EAGAIN is returned to the caller.',
      expected: 'ok',
    },
    {
      id: 'no-unwind',
      label: 'no unwind',
      description: 'Our own variant, not an upstream state: the fixed code (its listing) whose error paths do not call notifiers_decrement, so the failed trylock of mirrors_sem returns -EAGAIN with hmm->notifiers still raised.',
      expected: 'deadlock',
    },
    {
      id: 'no-eagain',
      label: 'no -EAGAIN',
      description: "Our own variant, not an upstream state: the fixed code (its listing) whose mirror loop keeps the inner ret, so a mirror's -EAGAIN is lost and the start returns 0 (fails with bug 'eagain'; the default scenario never reaches a mirror).",
      expected: 'ok',
    },
    {
      id: 'no-spinlock',
      label: 'no spinlock',
      description: 'Our own variant, not an upstream state: the fixed code (its listing) with the ranges lock still the mutex, so notifiers_decrement on the non-blockable error path, and the end, call mutex_lock.',
      expected: 'violation',
    },
    {
      id: 'valid-window',
      label: 'range->valid window',
      description: "Scenario D (its own, whatever bug says), on the fixed code: the driver loop of Documentation/vm/hmm.rst (v5.2) checks range->valid under its mutex, but page reclaim can invalidate the range and end between the driver's read of the page table and that check, so the GPU maps a page the CPU no longer maps.",
      expected: 'violation',
    },
    {
      id: 'seq-retry',
      label: 'v5.5 sequence count',
      description: "Scenario D (its own, whatever bug says) with what replaced range->valid in v5.5: an mmu_interval_notifier, whose sequence count the driver takes before its read (mmu_interval_read_begin) and checks under its mutex (mmu_interval_read_retry).",
      expected: 'ok',
    },
  ],
  fixParts: [
    { id: 'unwind', label: 'every error path of hmm_invalidate_range_start lowers hmm->notifiers again (notifiers_decrement)', variant: 'no-unwind' },
    { id: 'eagain', label: "an -EAGAIN from a mirror's sync_cpu_device_pagetables is returned, not lost to an inner ret", variant: 'no-eagain', params: { bug: 'eagain' } },
    { id: 'spinlock', label: 'the ranges lock is a spinlock (ranges_lock), so the unwind and the end never sleep', variant: 'no-spinlock' },
  ],
  params: [
    {
      name: 'bug',
      description: "which defect: 'notifiers' (a failed trylock leaks the count; the driver waits for ever), 'eagain' (a mirror's -EAGAIN is lost; the GPU uses a page being invalidated) or 'end' (the third, which the same change cured: the end after a non-blocking start sleeps on the mutex); the valid-window and seq-retry variants have scenario D and ignore it",
      default: 'notifiers',
      values: ['notifiers', 'eagain', 'end'],
    },
    { name: 'ranges', description: "one-page ranges of M the driver mirrors (A: D registers and waits for each; B: the GPU maps and reads each; C: pages the reaper unmaps; D has one)", default: 1, min: 1, max: 3 },
    { name: 'policy', description: 'rwsem policy of mirrors_sem and mmap_sem (fifo: v5.2)', default: 'fifo', values: RWSEM_POLICIES },
  ],
  // The ablations show the fixed listing: each leaves out one part of it.
  listings: lazyListings({
    buggy: () => listings.buggy,
    fixed: () => listings.fixed,
    'no-unwind': () => listings.fixed,
    'no-eagain': () => listings.fixed,
    'no-spinlock': () => listings.fixed,
    'valid-window': () => listings['valid-window'],
    'seq-retry': () => listings['seq-retry'],
  }),
  upstream: {
    subject: 'mm/hmm: Fix error flows in hmm_invalidate_range_start',
    author: 'Jason Gunthorpe',
    date: '2019-07-01',
    commit: '5a136b4ae327e7f6be9c984a010df8d7ea5a4f83',
    unverified: [
      'That the commit was merged for v5.3-rc1 (through the hmm tree): the hash and the message are verified, the release tag is not.',
      'The date is the day the patch was posted (by Christoph Hellwig, as part of a series, to linux-pci and others), not the commit or merge date.',
      'That the OOM reaper is the only caller of the non-blocking invalidate_range_start in v5.2/v5.3: it is the caller named in Gunthorpe\'s mail and in mm/oom_kill.c, but other callers were not ruled out.',
      'Derivation: the writer that makes the reaper\'s trylock of mirrors_sem fail is a concurrent hmm_mirror_unregister (U); the commit message says only that the trylock fails.',
      'Staging: U is held inside mirrors_sem for the whole of the reaper\'s pass by an allocation that waits for the OOM reaper (stall_for_memory). v5.2\'s hmm_mirror_unregister does not allocate; the stall stands for whatever delays U there (preemption is enough).',
      'Derivation: the GPU and its driver are ours, shaped after nouveau in v5.2 (its callback returns -EAGAIN when the update may not block, because clearing the GPU page table needs a mutex) and after the usage pattern of Documentation/vm/hmm.rst; no particular driver is claimed to hit either bug this way.',
      'That the non-blocking rule also binds invalidate_range_end (Hocko\'s note in mmu_notifier.h, verified from a diff) is checked by the model as a sleep in a non-blockable section; whether v5.2 had non_block_start() to catch it at run time is unverified.',
    ],
  },
  build(params = {}) {
    const p = resolveParams(hmm, params);
    return buildHmm({
      variant: p.variant as HmmCaseVariant,
      bug: p.bug as HmmBug,
      ranges: p.ranges as number,
      policy: p.policy as RwsemPolicy,
    });
  },
};
