/**
 * The engine runs of the hmm case page (content/cases/hmm.mdx): the case's scenarios for each bug,
 * variant and parameter the page shows, the hand-picked orders it replays, and small helpers that
 * read step and line numbers from the engine, so that the page's prose cannot drift from the runs.
 * The scenarios are the registry's own (one per set of parameters), so the page header, the runs and
 * the tests share one exploration each; exported here, the tests find them by name and check the
 * page against the engine.
 */
import { theStep } from '../lib/steps.ts';
import { replay, simulate, type Scenario, type Step } from '@interleave/engine';
import { getCase } from '@interleave/engine/cases';

export const hmmCase = getCase('hmm');

type Variant = 'buggy' | 'fixed' | 'valid-window' | 'seq-retry';
type Bug = 'notifiers' | 'eagain' | 'end';

const build = (variant: Variant, bug: Bug = 'notifiers', more: Record<string, string | number> = {}): Scenario =>
  hmmCase.build({ variant, bug, ...more });

/** Every scenario the page explores (flat, so the tests' demo loader finds each one). */
export const hmmScenarios = {
  leakBuggy: build('buggy'),
  leakFixed: build('fixed'),
  eagainBuggy: build('buggy', 'eagain'),
  eagainFixed: build('fixed', 'eagain'),
  endBuggy: build('buggy', 'end'),
  endFixed: build('fixed', 'end'),
  leakTwoBuggy: build('buggy', 'notifiers', { ranges: 2 }),
  leakTwoFixed: build('fixed', 'notifiers', { ranges: 2 }),
  leakReaderPreferringBuggy: build('buggy', 'notifiers', { policy: 'reader-preferring' }),
  leakReaderPreferringFixed: build('fixed', 'notifiers', { policy: 'reader-preferring' }),
  eagainThreeBuggy: build('buggy', 'eagain', { ranges: 3 }),
  eagainThreeFixed: build('fixed', 'eagain', { ranges: 3 }),
  windowValid: build('valid-window'),
  windowSeq: build('seq-retry'),
} as const;

type Sim = ReturnType<typeof simulate>;

/** A hand-picked order: its schedule and how many steps it takes. */
export interface Order {
  schedule: string;
  steps: number;
}

function runOut(sim: Sim, thread: string): void {
  while (sim.runnable().includes(thread)) sim.step(thread);
}

function runThrough(sim: Sim, thread: string, op: string): void {
  for (;;) {
    if (!sim.runnable().includes(thread)) throw new Error(`hmm page: ${thread} cannot run before it reaches ${op}`);
    if (sim.step(thread).op === op) return;
  }
}

/**
 * Scenario A in the order where D registers first: D registers its range while nothing is being
 * invalidated (so it starts valid); U takes mirrors_sem for write and sets off the OOM kill; R raises
 * the count (the range is no longer valid) and D goes to wait; then R, D and U run as far as they can.
 * Returns the schedule, to replay with either variant.
 */
export function scriptOrder(variant: Variant): Order {
  const sim = simulate(build(variant));
  runThrough(sim, 'D', 'hmm_range_register');
  sim.step('D'); // the unlock after the registration
  runThrough(sim, 'U', 'out_of_memory');
  runThrough(sim, 'R', 'hmm_invalidate_range_start');
  runOut(sim, 'D');
  runOut(sim, 'R');
  runOut(sim, 'D');
  runOut(sim, 'U');
  if (!sim.outcome) throw new Error(`hmm page: the script order of ${variant} did not end`);
  return { schedule: sim.schedule, steps: sim.steps.length };
}

/** Scenario B with the fix, in the buggy counterexample's order: the reaper runs out, then the GPU reads. */
export function reaperThenGpu(): Order {
  const sim = simulate(hmmScenarios.eagainFixed);
  runOut(sim, 'R');
  runOut(sim, 'D');
  if (!sim.outcome) throw new Error('hmm page: the fixed scenario B did not end');
  return { schedule: sim.schedule, steps: sim.steps.length };
}

/**
 * Scenario D with the v5.5 sequence count, in the window's order: D reads the page table, reclaim (K)
 * invalidates and ends, then D checks. Returns the order and the steps the page names, checked for
 * what the text says of them: the check sees the seq moved, D begins again, the page is gone, the GPU
 * maps nothing and its read is a device fault, and the run is ok.
 */
export function seqInTheWindow() {
  const sim = simulate(hmmScenarios.windowSeq);
  runThrough(sim, 'D', 'hmm_range_fault');
  runOut(sim, 'K');
  runOut(sim, 'D');
  if (sim.outcome?.verdict !== 'ok') throw new Error(`hmm page: scenario D with the seq count, in the window's order, ends ${sim.outcome?.verdict}`);
  const steps = sim.steps;
  const retry = stepNo(steps, 'read_retry sees the seq moved', (s) => s.op === 'mmu_interval_read_retry' && /invalidated since, retry/.test(s.note ?? ''));
  return {
    schedule: sim.schedule,
    steps: steps.length,
    retry,
    gone: stepNo(steps, 'the second read finds the page gone', (s) => s.op === 'hmm_range_fault' && /maps nothing/.test(s.note ?? '')),
    again: theStep(steps, 'hmm page: the read_begin after the retry', { op: 'mmu_interval_read_begin', after: retry }),
    nothing: stepNo(steps, 'the GPU maps nothing', (s) => s.op === 'gpu_map' && s.note === 'gpu maps nothing'),
    fault: stepNo(steps, "the GPU's read faults", (s) => s.op === 'device_access' && /a device fault/.test(s.note ?? '')),
  };
}

/**
 * Checks what the page says of scenario A's counterexample: from step `from` (R's start raising the
 * count) to the end, hmm->notifiers is 1 in every state. Throws if not; returns true.
 */
export function countStaysRaised(s: Scenario, schedule: string, from: number): true {
  const t = replay(s, schedule);
  t.states.slice(from).forEach((state, i) => {
    const n = state.objects.find((o) => o.name === 'hmm')?.['notifiers'];
    if (n !== 1) throw new Error(`hmm page: after step ${from + i}, hmm.notifiers is ${String(n)}, not 1`);
  });
  return true;
}

/** Replays a hand-picked order: the trace, with its steps and outcome. */
export function replayOrder(s: Scenario, order: Order) {
  return replay(s, order.schedule);
}

/** Throws if any step matches (the page's text says none does); returns true. */
export function noStep(steps: readonly Step[], what: string, match: (s: Step) => boolean): true {
  const i = steps.findIndex(match);
  if (i >= 0) throw new Error(`hmm page: step ${i + 1} is ${what}, which the page says never happens`);
  return true;
}

/** The 1-based number of the first step that matches, or an Error (the page's text relies on it). */
export function stepNo(steps: readonly Step[], what: string, match: (s: Step) => boolean): number {
  return theStep(steps, `hmm page: ${what}`, { where: match });
}

/** The line of a listing that contains `text` (exactly one), or an Error. */
export function lineOf(variant: Variant, text: string): number {
  const lines = hmmCase.listings[variant]!.text.split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`hmm page: '${text}' is on ${hits.length} lines of the ${variant} listing`);
  return hits[0]!;
}

/** Lines `from`..`to` of a listing (1-based, inclusive), e.g. hmm's two callbacks. */
export function linesOf(variant: Variant, from: number, to: number): string {
  return hmmCase.listings[variant]!.text.split('\n').slice(from - 1, to).join('\n');
}

/** Where a function of a listing ends. */
export function endOf(variant: Variant, fn: string): number {
  const f = hmmCase.listings[variant]!.functions.find((x) => x.name === fn);
  if (!f) throw new Error(`hmm page: no function ${fn} in the ${variant} listing`);
  return f.end;
}
