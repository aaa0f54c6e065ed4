import { HmmMirrorGpu, gpu_mirror_range, gpu_read } from '../../devices/hmm-mirror.ts';
import type { CoreKernel } from '../../core-kernel.ts';
import { PAGE_SIZE } from '../../mm/vma.ts';
import { Hmm, HmmRange, type HmmMirrorOps, type HmmVariant } from '../../notifier/hmm.ts';
import { coreScenario, type Scenario } from '../../core-scenario.ts';
import type { RwsemPolicy } from '../../sync/rwsem.ts';
import { ALL_PARTS, hmmCallbacks, type FixParts } from './invalidate.ts';
import { listings } from './listing.ts';
import { hmm_mirror_unregister } from './mirror_unregister.ts';
import { MmOomFlags, OomReaperList, oom_reaper, type Oom } from './oom_reaper.ts';
import { isSnapshotVariant, snapshotWindow, type SnapshotVariant } from './snapshot.ts';

/**
 * Which defect a scenario shows: the document's two (`'notifiers'`, `'eagain'`), or the third one the
 * same change cured (`'end'`: after a non-blocking start that succeeds, the buggy end takes a mutex).
 */
export type HmmBug = 'notifiers' | 'eagain' | 'end';

/** A mirror whose device has nothing to clear: its callback never needs to sleep. */
const idleMirror: HmmMirrorOps = {
  *sync_cpu_device_pagetables() {
    return 0;
  },
};

/**
 * The upstream code before and after the fix, the fix with one of its three parts left out (ours), or
 * scenario D's two schemes: the fix's range->valid check, and v5.5's sequence count (snapshot.ts).
 */
export type HmmCaseVariant = HmmVariant | 'no-unwind' | 'no-eagain' | 'no-spinlock' | SnapshotVariant;

const leftOut: Partial<Record<HmmCaseVariant, keyof FixParts>> = { 'no-unwind': 'unwind', 'no-eagain': 'eagain', 'no-spinlock': 'spinlock' };

/** The code a variant runs: the buggy or the fixed one, and which parts of the fix the fixed one has. */
function codeOf(variant: HmmCaseVariant): { code: HmmVariant; parts: FixParts } {
  if (variant === 'buggy') return { code: 'buggy', parts: ALL_PARTS };
  if (isSnapshotVariant(variant)) return { code: 'fixed', parts: ALL_PARTS };
  const part = leftOut[variant];
  return { code: 'fixed', parts: part ? { ...ALL_PARTS, [part]: false } : ALL_PARTS };
}

export interface HmmParams {
  variant: HmmCaseVariant;
  bug: HmmBug;
  /** How many one-page ranges the driver mirrors (scenario A registers and waits for each; in B the GPU maps and reads each). */
  ranges: number;
  policy: RwsemPolicy;
  /**
   * Not a parameter of the case: run the engine model's own hmm callbacks (notifier/hmm.ts, which carry
   * no listing lines) instead of the case's, so a test can check that the two agree.
   */
  modelCallbacks?: boolean;
}

function callbacks(p: HmmParams) {
  const c = codeOf(p.variant);
  return p.modelCallbacks ? {} : { callbacks: hmmCallbacks(c.code, c.parts) };
}

/** The lock hmm is made with: a mutex before the fix and when the spinlock part is left out. */
const modelVariant = (v: HmmCaseVariant): HmmVariant => (v === 'buggy' || !codeOf(v).parts.spinlock ? 'buggy' : 'fixed');

/** Where the victim's anonymous memory starts: one page per range. */
export const BASE = 0x10000;

/**
 * The world of both scenarios: the mm M of the process the OOM killer will pick (mmap_sem, one private
 * anonymous VMA with one populated page per range), its `struct hmm` with the variant's callbacks, and
 * the driver's GPU, registered as a mirror. Names follow kernel-semantics.md's script: D the driver,
 * U the other driver, R the OOM reaper.
 */
function world(k: CoreKernel, p: HmmParams, withU: boolean) {
  const mm = k.mm('M', { lock: 'mmap_sem', policy: p.policy });
  mm.addVma(BASE, p.ranges * PAGE_SIZE, { populated: true });
  const gpu = k.object((w) => new HmmMirrorGpu(w, 'gpu'));
  const mirrors: Record<string, HmmMirrorOps> = { 'gpu.mirror': gpu.ops };
  // U's own device is idle: it has nothing to clear (its callback is never reached in scenario A).
  if (withU) mirrors['U.mirror'] = idleMirror;
  const hmm = k.object((w) => new Hmm(w, 'hmm', mm, { variant: modelVariant(p.variant), mirrors, policy: p.policy, ...callbacks(p) }));
  gpu.attach(hmm.mirrors[0]!);
  const pages = Array.from({ length: p.ranges }, (_, i) => BASE + i * PAGE_SIZE);
  return { mm, hmm, gpu, pages };
}

/**
 * Scenario A, the leaked count (bug 1): D registers each of its ranges and waits until it is valid (to
 * mirror it; the mirroring itself takes no part in the bug and is left out); U unregisters its mirror
 * and, holding mirrors_sem for write, stalls for memory (staged); the OOM kill wakes R, whose
 * non-blocking start raises `notifiers`, fails to trylock mirrors_sem and returns -EAGAIN. Before the
 * fix nothing lowers the count again, so D waits for ever.
 */
function leakedCount(k: CoreKernel, p: HmmParams): void {
  const { mm, hmm, gpu, pages } = world(k, p, true);
  const oom: Oom = { list: new OomReaperList(k), flags: new MmOomFlags(k, mm), mm };
  const ranges = pages.map((_, i) => k.object((w) => new HmmRange(w, p.ranges === 1 ? 'range' : `range${i + 1}`)));
  k.thread('D', function* () {
    for (let i = 0; i < ranges.length; i++) yield* gpu_mirror_range(gpu, ranges[i]!, pages[i]!, pages[i]! + PAGE_SIZE);
  }, { code: ['gpu_mirror_range'], role: 'GPU driver' });
  const mirrorU = hmm.mirrors[1]!;
  k.thread('U', function* () {
    yield* hmm_mirror_unregister(mirrorU, oom);
  }, { code: ['hmm_mirror_unregister', 'stall_for_memory'], role: 'mirror unregister' });
  reaper(k, p, oom);
}

/**
 * Scenario B, the swallowed -EAGAIN (bug 2): the OOM killer has already picked M's owner; the GPU maps
 * the driver's pages from an earlier mirroring, and D, the GPU at work, reads each of them; R's
 * non-blocking start asks the mirror to clear the range, which needs the GPU's mutex, so the mirror
 * says -EAGAIN. Before the fix the start returns 0 anyway, and the GPU reads a page whose
 * invalidation hmm has accepted.
 */
function swallowedEagain(k: CoreKernel, p: HmmParams): void {
  const { mm, gpu, pages } = world(k, p, false);
  const oom: Oom = { list: new OomReaperList(k, mm), flags: new MmOomFlags(k, mm), mm };
  gpu.populate(pages);
  k.thread('D', function* () {
    for (const page of pages) yield* gpu_read(gpu, page);
  }, { code: ['gpu_read'], role: 'GPU at work' });
  reaper(k, p, oom);
}

/**
 * Scenario C, the third defect: the OOM killer has already picked M's owner, and hmm's only mirror has
 * nothing to clear, so R's non-blocking start succeeds; R unmaps the VMA and calls
 * invalidate_range_end, which before the fix takes the ranges mutex, a sleeping lock, where the
 * contract says an end that follows a non-blocking start must not sleep.
 */
function sleepingEnd(k: CoreKernel, p: HmmParams): void {
  const mm = k.mm('M', { lock: 'mmap_sem', policy: p.policy });
  mm.addVma(BASE, p.ranges * PAGE_SIZE, { populated: true });
  k.object((w) => new Hmm(w, 'hmm', mm, { variant: modelVariant(p.variant), mirrors: { 'idle.mirror': idleMirror }, policy: p.policy, ...callbacks(p) }));
  reaper(k, p, { list: new OomReaperList(k, mm), flags: new MmOomFlags(k, mm), mm });
}

function reaper(k: CoreKernel, p: HmmParams, oom: Oom): void {
  const code = ['oom_reaper', 'oom_reap_task', 'oom_reap_task_mm', '__oom_reap_task_mm', 'hmm_invalidate_range_start', 'hmm_invalidate_range_end'];
  if (p.variant !== 'buggy') code.push('notifiers_decrement');
  if (p.bug === 'eagain') code.push('gpu_sync_cpu_device_pagetables');
  k.thread('R', function* () {
    yield* oom_reaper(oom);
  }, { code, role: 'OOM reaper' });
}

const descriptions: Record<HmmBug, string> = {
  notifiers: 'Scenario A: a failed trylock of mirrors_sem leaves hmm->notifiers raised, and the driver waits for ever for its range to become valid.',
  eagain: "Scenario B: a mirror says -EAGAIN, hmm's start returns 0 anyway, and the GPU reads a page the reaper is invalidating.",
  end: "Scenario C: the reaper's non-blocking start succeeds, and the invalidate_range_end that follows takes a sleeping lock.",
};

/** The objects each scenario's story is about: hmm (its notifiers count) and the lock that decides. */
function focus(p: HmmParams): string[] {
  const rangesLock = modelVariant(p.variant) === 'buggy' ? 'hmm.lock' : 'hmm.ranges_lock';
  return ['hmm', { notifiers: 'hmm.mirrors_sem', eagain: 'gpu.mutex', end: rangesLock }[p.bug]];
}

const snapshotDescriptions: Record<SnapshotVariant, string> = {
  'valid-window': "Scenario D: the driver reads its range's page table, reclaim invalidates the range and ends, range->valid is true again, and the GPU maps and reads a page the CPU no longer maps.",
  'seq-retry': 'Scenario D from v5.5: the driver checks the interval notifier\'s sequence count instead, sees that an invalidation ran since its read, and reads again.',
};

/** Scenario D, whatever `bug` says: the snapshot window and what replaced range->valid. */
function buildSnapshot(variant: SnapshotVariant, p: HmmParams): Scenario {
  const name = `hmm ${variant} (scenario D: reclaim during the driver's snapshot, policy=${p.policy})`;
  const focus = variant === 'valid-window' ? ['range', 'gpu'] : ['gpu.notifier', 'gpu'];
  return coreScenario(name, (k) => snapshotWindow(k, variant, p.policy), { listing: listings[variant], description: snapshotDescriptions[variant], focus });
}

export function buildHmm(p: HmmParams): Scenario {
  if (isSnapshotVariant(p.variant)) return buildSnapshot(p.variant, p);
  const name = `hmm ${p.variant} (bug=${p.bug}, ranges=${p.ranges}, policy=${p.policy})${p.modelCallbacks ? ', model callbacks' : ''}`;
  const make = { notifiers: leakedCount, eagain: swallowedEagain, end: sleepingEnd }[p.bug];
  return coreScenario(name, (k) => make(k, p), { listing: listings[codeOf(p.variant).code], description: descriptions[p.bug], focus: focus(p) });
}
