/**
 * The engine runs of the cxl case page (content/cases/cxl.mdx), built once so that each scenario is
 * explored once per build, and the few hand-picked executions the page tells as stories. Each
 * story is found by stepping the engine (never a hard-coded schedule) and checked here for the
 * facts the page's text relies on: if a model change breaks one, the build fails with the reason.
 */
import { theStep } from '../lib/steps.ts';
import { cxl } from '@interleave/engine/internal/cases/cxl';
import { explore, replay, simulate, type Report, type Scenario, type Step, type Trace, type WorldSnapshot } from '@interleave/engine';
import type { LockdepReport } from '@interleave/engine';

/** The line of `label` in the fixed variant's listing. */
function F_LINE(label: string): number {
  const n = cxl.listings.fixed?.labels.get(label);
  if (n === undefined) throw new Error(`cxl page: the fixed listing has no label '${label}'`);
  return n;
}

/** Every scenario the page explores or replays, by what it shows. */
export const cxlRuns = {
  buggy: cxl.build({ variant: 'buggy' }),
  fixed: cxl.build({ variant: 'fixed' }),
  buggyPhaseFair: cxl.build({ variant: 'buggy', policy: 'phase-fair' }),
  buggyReaderPreferring: cxl.build({ variant: 'buggy', policy: 'reader-preferring' }),
  buggyRemap: cxl.build({ variant: 'buggy', remap: 'on' }),
  buggyOnePage: cxl.build({ variant: 'buggy', pages: 1, vmas: 1 }),
  buggyBig: cxl.build({ variant: 'buggy', pages: 8, vmas: 4 }),
  fixedNoRemap: cxl.build({ variant: 'fixed', remap: 'off' }),
  fixedOnePage: cxl.build({ variant: 'fixed', pages: 1, vmas: 1, remap: 'off' }),
  fixedTwoPages: cxl.build({ variant: 'fixed', pages: 2, vmas: 2 }),
  fixedPhaseFair: cxl.build({ variant: 'fixed', policy: 'phase-fair' }),
  fixedReaderPreferring: cxl.build({ variant: 'fixed', policy: 'reader-preferring' }),
  fixedBig: cxl.build({ variant: 'fixed', pages: 8, vmas: 4 }),
} satisfies Record<string, Scenario>;

type Sim = ReturnType<typeof simulate>;

/** Steps `thread` while it can run; with `until`, stops after its first step of that op. */
function run(sim: Sim, thread: string, until?: string): void {
  while (sim.runnable().includes(thread)) {
    if (sim.step(thread).op === until) return;
  }
  if (until) throw new Error(`cxl page: ${thread} stopped before it took a step of ${until}`);
}

/** Steps `thread` exactly `n` times. */
function steps(sim: Sim, thread: string, n: number): void {
  for (let i = 0; i < n; i++) sim.step(thread);
}

/** Runs every thread to its end, the first of `order` that can run going first. */
function finish(sim: Sim, order: string[]): void {
  for (;;) {
    const next = order.find((t) => sim.runnable().includes(t));
    if (!next) return;
    sim.step(next);
  }
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`cxl page: the engine no longer shows that ${what}; update content/cases/cxl.mdx`);
}

const accelOf = (snap: WorldSnapshot) => snap.objects.find((o) => o.name === 'accel') as unknown as { retries: number; misses: { address: number; misses: number }[]; translated: number[]; touch: number[] };

const hex = (n: number) => `0x${n.toString(16)}`;

/** The 1-based number of the one step after step `from` that matches (see src/lib/steps.ts). */
function stepNo(t: Trace, what: string, match: (s: Step) => boolean, from = 0): number {
  return theStep(t.steps, `cxl page: ${what}`, { where: match, after: from });
}

export interface Story {
  scenario: Scenario;
  schedule: string;
  trace: Trace & { lockdep: LockdepReport };
  /** Step numbers (1-based) the text points at. */
  at: Record<string, number>;
}

function story(scenario: Scenario, drive: (sim: Sim) => void): Pick<Story, 'scenario' | 'schedule' | 'trace'> {
  const sim = simulate(scenario);
  drive(sim);
  const trace = replay(scenario, sim.schedule);
  return { scenario, schedule: sim.schedule, trace };
}

let memoFix: Story | undefined;
/**
 * The fix, on the deadlock's own opening: T1 takes R1 in get_vma_info, T2's down_write queues
 * behind it, and T1 drops R1 before it takes R2, so R2 queues behind T2 with nothing held.
 */
export function fixOpening(): Story {
  if (memoFix) return memoFix;
  const s = story(cxlRuns.fixedOnePage, (sim) => {
    steps(sim, 'T1', 2); // R1, find_vma
    steps(sim, 'T2', 1); // down_write: waits for R1
    finish(sim, ['T1', 'T2']);
  });
  const t = s.trace;
  need(t.outcome === 'ok', 'the fixed code survives the deadlock’s opening');
  const w1 = stepNo(t, 'T2’s down_write waits for R1', (x) => x.thread === 'T2' && x.op === 'down_write' && x.blocked);
  const u1 = stepNo(t, 'T1 drops R1 in get_vma_info', (x) => x.thread === 'T1' && x.op === 'up_read' && /granted mm.mmap_sem to T2/.test(x.note ?? ''), w1);
  const r2 = stepNo(t, 'R2 then queues behind T2', (x) => x.thread === 'T1' && x.op === 'down_read' && x.blocked, u1);
  const held = t.states[r2]!.threads.find((x) => x.name === 'T1')!.holds;
  need(held.length === 0, 'T1 holds nothing while its R2 waits');
  const upw = stepNo(t, 'T2 finishes brk and lets T1 in', (x) => x.thread === 'T2' && x.op === 'up_write' && /granted mm.mmap_sem to T1/.test(x.note ?? ''), r2);
  need(t.steps.length - t.steps.filter((x) => x.thread === 'T2').length > 0, 'T1 runs');
  memoFix = { ...s, at: { w1, u1, r2, upw, last: t.steps.length } };
  return memoFix;
}

let memoCost: Story | undefined;
/**
 * What the fix costs, on the default buffer: T1 faults in the 64K page and the first 4K page, then,
 * between two iterations of its loop (holding nothing), T3 maps fresh memory over the second VMA,
 * zapping the page T1 just faulted in. T1 goes on with the next page; the accelerator misses the
 * zapped one, raises a new fault, and its retry succeeds.
 */
export function costRun(): Story {
  if (memoCost) return memoCost;
  const s = story(cxlRuns.fixed, (sim) => {
    run(sim, 'T1', 'handle_mm_fault');
    run(sim, 'T1', 'handle_mm_fault');
    run(sim, 'T1', 'up_read');
    run(sim, 'T3');
    finish(sim, ['T1', 'T2']);
  });
  const t = s.trace;
  need(t.outcome === 'ok', 'the remap run ends well');
  const w3 = stepNo(t, 'T3 takes mmap_sem for write', (x) => x.thread === 'T3' && x.op === 'down_write' && !x.blocked);
  const before = t.states[w3 - 1]!.threads.find((x) => x.name === 'T1')!;
  need(before.holds.length === 0, 'T1 holds nothing when T3 comes in');
  const zap = stepNo(t, 'T3 zaps the page T1 faulted in', (x) => x.thread === 'T3' && x.op === 'unmap_vmas' && /zaps 1 page/.test(x.note ?? ''));
  const t3end = stepNo(t, 'T3 releases mmap_sem', (x) => x.thread === 'T3' && x.op === 'up_write');
  const next = t.steps[t3end]!;
  need(next.thread === 'T1' && next.op === 'down_read' && next.stack?.[0] === F_LINE('drv_fault'), 'T1 goes on with its walk after T3');
  const nextFault = stepNo(t, 'T1 faults the next page into the new VMA', (x) => x.thread === 'T1' && x.op === 'handle_mm_fault' && /maps the page at 0x10011000/.test(x.note ?? ''), t3end);
  const miss = stepNo(t, 'the accelerator misses the zapped page', (x) => x.op === 'accel_touch' && /no translation for 0x10010000/.test(x.note ?? ''));
  const retry = stepNo(t, 'the driver asks again for that page, right after the miss', (x) => x.index === miss && x.thread === 'T1' && x.stack?.[0] === F_LINE('drv_retry'));
  const refault = stepNo(t, 'the retry faults the page in again', (x) => x.op === 'handle_mm_fault', miss);
  const hit = stepNo(t, 'the retried access succeeds', (x) => x.op === 'accel_touch' && /reads 0x10010000/.test(x.note ?? ''), miss);
  const acc = accelOf(t.states[t.states.length - 1]!);
  need(acc.retries === 1 && acc.translated.length === acc.touch.length, 'one retry and every access done');
  memoCost = { ...s, at: { w3, zap, t3end, nextFault, miss, retry, refault, hit, last: t.steps.length } };
  return memoCost;
}

let memoSecond: Story | undefined;
/**
 * The buggy code under a reader-preferring rwsem, on the deadlock's opening: R2 gets past the
 * waiting writer, and the loop's second bug (the lookup at addr) skips the VMA's second 4K page,
 * which the accelerator then misses and retries.
 */
export function secondBugRun(): Story {
  if (memoSecond) return memoSecond;
  const s = story(cxlRuns.buggyReaderPreferring, (sim) => {
    steps(sim, 'T1', 2);
    steps(sim, 'T2', 1);
    finish(sim, ['T1', 'T2']);
  });
  const t = s.trace;
  need(t.outcome === 'ok', 'the reader-preferring buggy run finishes');
  const w1 = stepNo(t, 'T2 waits for R1', (x) => x.thread === 'T2' && x.op === 'down_write' && x.blocked);
  const r2 = stepNo(t, 'R2, T1’s next step, gets past the waiting writer', (x) => x.index === w1 && x.thread === 'T1' && x.op === 'down_read' && !x.blocked && !!t.states[x.index]!.threads.find((th) => th.name === 'T2')?.waiting);
  const refind = stepNo(t, 'the loop looks the VMA up again at addr', (x) => x.thread === 'T1' && x.op === 'find_vma' && /0x10000000\b/.test(x.note ?? ''), r2 + 1);
  const miss = stepNo(t, 'the skipped page is missed', (x) => x.op === 'accel_touch' && /no translation for 0x10011000/.test(x.note ?? ''));
  const acc = accelOf(t.states[t.states.length - 1]!);
  need(acc.misses.length === 1 && acc.misses[0]!.address === 0x10011000, 'the buggy loop misses exactly 0x10011000');
  memoSecond = { ...s, at: { w1, r2, refind, miss, last: t.steps.length } };
  return memoSecond;
}

let memoLucky: Story | undefined;
/** The buggy code with brk first and T1 after it: no deadlock, and lockdep still warns. */
export function luckyRun(): Story {
  if (memoLucky) return memoLucky;
  const s = story(cxlRuns.buggy, (sim) => {
    run(sim, 'T2');
    run(sim, 'T1');
  });
  need(s.trace.outcome === 'ok', 'brk first, then T1, ends well');
  need(s.trace.lockdep.warnings.some((w) => w.title === 'possible recursive locking detected'), 'lockdep warns from the lucky order');
  memoLucky = { ...s, at: { last: s.trace.steps.length } };
  return memoLucky;
}

export interface MissCount {
  executions: number;
  /** Executions that ran to their end with every access done. */
  complete: number;
  /** Of those, how many needed a retry. */
  retried: number;
  /** Addresses missed, over all executions. */
  missed: string[];
  report: Report;
}

const memoMiss = new Map<Scenario, MissCount>();
/** Explores `s` and counts, over the executions that ran to their end, those in which the accelerator retried. */
export function misses(s: Scenario): MissCount {
  const hit = memoMiss.get(s);
  if (hit) return hit;
  let executions = 0;
  let complete = 0;
  let retried = 0;
  const missed = new Set<string>();
  const report = explore(s, {
    stateCache: false, // every execution to its end, not only those that reach a new state
    onExecution: (e) => {
      if (e.verdict === 'redundant') return;
      executions++;
      if (e.verdict !== 'ok') return;
      const a = accelOf(e.snapshot());
      if (a.translated.length === a.touch.length) complete++;
      if (a.retries > 0) retried++;
      for (const m of a.misses) missed.add(hex(m.address));
    },
  });
  const r = { executions, complete, retried, missed: [...missed].sort(), report };
  memoMiss.set(s, r);
  return r;
}

/**
 * The part of a variant's listing the patch changed: from the comment that opens cxllib.c's part
 * to the end of `cxllib_handle_fault` (the driver, cxl_handle_mm_fault, copro and the syscalls
 * around it are the same in both variants).
 */
export function cxllibPart(l: { text: string; functions: readonly { name: string; start: number; end: number }[] }): string {
  const lines = l.text.split('\n');
  const first = lines.findIndex((x) => x.startsWith('/* drivers/misc/cxl/cxllib.c'));
  const fn = l.functions.find((f) => f.name === 'cxllib_handle_fault');
  if (first < 0 || !fn) throw new Error('cxl page: the listing has no cxllib.c part');
  return lines.slice(first, fn.end).join('\n');
}
