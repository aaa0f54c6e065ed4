/**
 * Build-time helpers for the intel-svm case page (content/cases/intel-svm.mdx): the scenarios it
 * explores (the registry's own, one per set of parameters, so the page header, the widget and the
 * runs share one exploration each; exported here, the tests find them by name), the executions of
 * the fixed code it tells as stories (found by stepping the engine, never a hard-coded schedule, and
 * checked for the facts the text states), the leak's reference chain as a graph, and small readers
 * of step numbers, counts and listing lines, so that the prose cannot drift from the engine.
 */
import { theStep } from '../lib/steps.ts';
import { explore, replay, simulate, type Report, type Scenario, type Step, type Trace, type WorldSnapshot } from '@interleave/engine';
import type { LeakDetail } from '@interleave/engine';
import { getCase } from '@interleave/engine/cases';
import type { Graph } from '../lib/waitfor.ts';

export const svm = getCase('intel-svm');

type Variant = 'buggy' | 'fixed' | 'no-mm-count' | 'no-release-flush' | 'no-fault-check';

const build = (variant: Variant, more: Record<string, number> = {}): Scenario => svm.build({ variant, ...more });

/** Every scenario the page explores or replays (flat, so the tests' demo loader finds each one). */
export const svmRuns = {
  buggy: build('buggy'),
  fixed: build('fixed'),
  noMmCount: build('no-mm-count'),
  noReleaseFlush: build('no-release-flush'),
  noFaultCheck: build('no-fault-check'),
  buggyTwoRequests: build('buggy', { requests: 2 }),
  buggyTwoDevices: build('buggy', { devices: 2 }),
  fixedTwoRequests: build('fixed', { requests: 2 }),
  noReleaseFlushTwoRequests: build('no-release-flush', { requests: 2 }),
  noFaultCheckTwoRequests: build('no-fault-check', { requests: 2 }),
  fixedTwoDevices: build('fixed', { devices: 2 }),
} satisfies Record<string, Scenario>;

function fail(what: string): never {
  throw new Error(`intel-svm page: ${what}; update content/cases/intel-svm.mdx`);
}

/** The line of `label` in a variant's listing. */
export function lineOf(variant: Variant, label: string): number {
  const n = svm.listings[variant]?.labels.get(label);
  if (n === undefined) fail(`the ${variant} listing has no label '${label}'`);
  return n;
}

/** The one line of a variant's listing that contains `text`. */
export function lineWith(variant: Variant, text: string): number {
  const hits = svm.listings[variant]!.text.split('\n').flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  if (hits.length !== 1) fail(`'${text}' is on ${hits.length} lines of the ${variant} listing`);
  return hits[0]!;
}

/** The lines of several labels. */
export const linesOf = (variant: Variant, ...labels: string[]): number[] => labels.map((l) => lineOf(variant, l));

/**
 * The named functions of a variant's listing, each with the comment lines right above it, joined
 * by a blank line: for a diff of the functions the fix changed.
 */
export function functionsOf(variant: Variant, ...names: string[]): string {
  const l = svm.listings[variant]!;
  const lines = l.text.split('\n');
  return names
    .map((name) => {
      const f = l.functions.find((x) => x.name === name);
      if (!f) fail(`no function ${name} in the ${variant} listing`);
      let start = f.start - 1;
      while (start > 0 && /^(\/\*|\s\*)/.test(lines[start - 1]!)) start--;
      return lines.slice(start, f.end).join('\n');
    })
    .join('\n\n');
}

/** The 1-based number of the one step after step `after` that matches (see src/lib/steps.ts). */
export function stepNo(steps: readonly Step[], what: string, match: (s: Step) => boolean, after = 0): number {
  return theStep(steps, `intel-svm page: ${what}`, { where: match, after });
}

/** Throws if any step matches (the text says none does); returns true. */
export function noStep(steps: readonly Step[], what: string, match: (s: Step) => boolean): true {
  const i = steps.findIndex(match);
  if (i >= 0) fail(`step ${i + 1} is ${what}, which the page says never happens`);
  return true;
}

/** A step by thread and op. */
export const is = (thread: string, op: string) => (s: Step) => s.thread === thread && s.op === op;

function obj(state: WorldSnapshot, name: string): Record<string, unknown> {
  const o = state.objects.find((x) => x.name === name);
  if (!o) fail(`the state has no object ${name}`);
  return o;
}

/** The counts the story follows, in a state. */
export interface Counts {
  users: number;
  count: number;
  files: number | null;
  mmFreed: boolean;
  fileFreed: boolean;
}

export function countsIn(state: WorldSnapshot): Counts {
  const mm = obj(state, 'P.mm');
  const file = obj(state, 'svm_dev');
  return {
    users: mm['mm_users'] as number,
    count: mm['mm_count'] as number,
    files: file['freed'] ? null : (file['f_count'] as number),
    mmFreed: mm['freed'] === true,
    fileFreed: file['freed'] === true,
  };
}

/** The counts after step `n` (1-based; 0 is the initial state) of a trace. */
export const countsAfter = (t: Trace, n: number): Counts => countsIn(t.states[n]!);

/** The buggy variant's shortest leak, replayed, with its chain. */
export function leakRun(report: Report): { trace: Trace; detail: LeakDetail } {
  const ce = report.counterexample ?? fail('the buggy variant has no counterexample');
  const detail = ce.detail as LeakDetail;
  if (report.verdict !== 'leak' || !detail?.cycle) fail('the buggy variant no longer ends in a reference cycle');
  return { trace: replay(svmRuns.buggy, ce.schedule), detail };
}

const chainWords: Record<string, { label: string; text: (held: string, holder: string, step: number, op: string) => string }> = {
  vma: { label: 'VMA', text: (held, holder, step, op) => `${holder} keeps its VMA ${held} (linked by ${op} at step ${step}) until exit_mmap tears the address space down, which needs mm_users to reach 0.` },
  f_count: { label: 'f_count', text: (held, holder, step, op) => `${holder}, the mapping of the device file, holds a reference to ${held} (${op}, step ${step}); it is dropped only when exit_mmap closes the VMA.` },
  private_data: { label: 'binding', text: (held, holder, step, op) => `${holder}'s binding to ${held} (${op}, step ${step}) ends only in the file's -\u2060>release, which runs when the file's last reference is dropped.` },
  mm_users: { label: 'mm_users', text: (held, holder, step, op) => `${holder} keeps the mm_users reference that ${op} took at step ${step}, so ${held}'s address space cannot be torn down while the binding exists.` },
};

/** The leak's chain (the engine's), as a graph of objects. */
export function chainGraph(detail: LeakDetail): Graph {
  const names = detail.chain.map((e) => e.holder);
  const nodes = names.map((n) => ({ id: n, label: n, kind: 'object' as const }));
  const edges = detail.chain.map((e) => {
    const w = chainWords[e.kind] ?? fail(`the chain has a reference of kind ${e.kind}`);
    return { from: e.holder, to: e.held, label: `${w.label} (step ${e.step + 1})`, text: w.text(e.held, e.holder, e.step + 1, e.op) };
  });
  return { nodes, edges };
}

type Sim = ReturnType<typeof simulate>;

/** Steps `thread` while it can run; with `until`, stops after its first step of that op. */
function run(sim: Sim, thread: string, until?: string): void {
  while (sim.runnable().includes(thread)) {
    if (sim.step(thread).op === until) return;
  }
  if (until) fail(`${thread} stopped before it took a step of ${until}`);
}

/** Runs every thread to its end, the first of `order` that can run going first. */
function finish(sim: Sim, order: string[]): void {
  for (;;) {
    const next = order.find((t) => sim.runnable().includes(t));
    if (!next) break;
    sim.step(next);
  }
  if (!sim.outcome) fail('a hand-picked execution did not end');
}

/** A hand-picked execution of the fixed code: its schedule, replayed. */
export interface Story {
  schedule: string;
  trace: Trace;
}

function story(sim: Sim, what: string): Story {
  if (sim.outcome?.verdict !== 'ok') fail(`${what} ends in ${sim.outcome?.verdict}`);
  return { schedule: sim.schedule, trace: replay(svmRuns.fixed, sim.schedule) };
}

/**
 * The fixed code, one thread after another: P binds, maps, starts the device and exits to the end of
 * exit_mm's mmput, which is the last and runs exit_mmap; exit_files' fput is the file's last, and its
 * ->release waits for the device; then the device, which finds no PASID, and the rest.
 */
export function inOrder(): Story {
  const sim = simulate(svmRuns.fixed);
  run(sim, 'P');
  finish(sim, ['DMA', 'P', 'PRQ', 'kworker']);
  return story(sim, 'the fixed code in order');
}

/**
 * A page request on a defunct mm: the device asks for its page before P's exit_mm; P's mmput is the
 * last (exit_mmap: ->release clears the PASID entry) and its fput calls ->release, which waits for
 * the device; then the page-request thread finds mm_users 0 and answers INVALID.
 */
export function defunct(): Story {
  const sim = simulate(svmRuns.fixed);
  run(sim, 'P', 'exit_mm');
  run(sim, 'P', 'up_read');
  run(sim, 'DMA', 'ats_translate');
  run(sim, 'P');
  run(sim, 'PRQ', 'qi_submit_sync');
  finish(sim, ['DMA', 'P', 'PRQ', 'kworker']);
  const s = story(sim, 'the defunct-mm story');
  const steps = s.trace.steps;
  const get = steps[stepNo(steps, 'PRQ atomic_inc_not_zero', is('PRQ', 'atomic_inc_not_zero')) - 1]!;
  if (!get.note?.includes('is 0: not taken')) fail(`PRQ's atomic_inc_not_zero now says '${get.note}'`);
  noStep(steps, 'PRQ taking mmap_sem', is('PRQ', 'down_read'));
  return s;
}

/**
 * exit_mmap on the page-request thread: PRQ takes mm_users for the device's page request; P exits
 * meanwhile (its mmput and its fput are not the last), and finishes; PRQ's mmput is the last, so
 * PRQ runs exit_mmap, whose VMA close drops the file's last reference, which a kernel thread hands
 * to the delayed-fput worker; the worker's ->release waits for the device, which waits for PRQ's
 * answer; PRQ answers, and the worker unbinds.
 */
export function onPrq(): Story {
  const sim = simulate(svmRuns.fixed);
  run(sim, 'P', 'svm_dev_start');
  run(sim, 'DMA', 'ats_translate');
  run(sim, 'PRQ', 'atomic_inc_not_zero');
  run(sim, 'P');
  run(sim, 'PRQ', 'exit_mmap');
  finish(sim, ['PRQ', 'DMA', 'kworker']);
  const s = story(sim, 'the exit_mmap-on-PRQ story');
  const steps = s.trace.steps;
  const again = steps[stepNo(steps, 'DMA page_response', is('DMA', 'page_response')) - 1]!;
  if (!again.note?.includes('SUCCESS') || !again.note.includes('PASID 1 not present')) fail(`the device's second translation now says '${again.note}'`);
  const who = (op: string) => steps[stepNo(steps, op, (st) => st.op === op) - 1]!.thread;
  if (who('exit_mmap') !== 'PRQ' || who('llist_add') !== 'PRQ' || who('svm_dev_stop') !== 'kworker' || who('list_del_rcu') !== 'kworker') {
    fail('the exit_mmap-on-PRQ story no longer runs exit_mmap on PRQ and ->release on kworker');
  }
  return s;
}

/** One row of the counts table: a moment of P's exit, and the counts right after it. */
export interface Moment {
  label: string;
  step: number;
  counts: Counts;
}

/**
 * The counts at the moments the story names, in an execution where P runs first: bind has returned,
 * mmap has returned, exit_mm is done (with exit_mmap, if its mmput was the last), exit_files' fput,
 * and the end.
 */
export function moments(t: Trace): Moment[] {
  const steps = t.steps;
  const bound = stepNo(steps, 'svm_ctx_set', is('P', 'svm_ctx_set')) - 1;
  const mapped = stepNo(steps, 'vma_link', is('P', 'vma_link'));
  const files = stepNo(steps, 'exit_files', is('P', 'exit_files'));
  const fput = stepNo(steps, "exit_files' fput", is('P', 'fput'), files);
  const at = (label: string, step: number): Moment => ({ label, step, counts: countsAfter(t, step) });
  return [at('bind returns', bound), at('mmap returns', mapped), at('exit_mm is done', files - 1), at("exit_files' fput", fput), at('the end', steps.length)];
}

/** What every execution of the fixed code does, checked over the whole search. */
export interface FixedFacts {
  executions: number;
  /** Who ran exit_mmap, and who the file's ->release, across the executions ("P P", "PRQ kworker"...). */
  who: string[];
  /** How many executions answered a page request INVALID because mm_users was already 0. */
  invalid: number;
}

export function fixedFacts(): FixedFacts {
  const s = svmRuns.fixed;
  const schedules: string[] = [];
  const report = explore(s, {
    stateCache: false, // every execution to its end, not only those that reach a new state
    onExecution: (e) => {
      if (e.verdict === 'redundant') return;
      if (e.verdict !== 'ok') fail(`an execution of the fixed code ends in ${e.verdict}`);
      const snap = e.snapshot();
      const mm = obj(snap, 'P.mm');
      const b = obj(snap, 'svm');
      const file = obj(snap, 'svm_dev');
      if (mm['freed'] !== true || b['freed'] !== true || b['releases'] !== 1 || file['freed'] !== true) fail('an execution of the fixed code leaves P.mm, svm or svm_dev alive, or runs ->release other than once');
      schedules.push(e.schedule);
    },
  });
  if (report.verdict !== 'ok' || !report.complete) fail(`the fixed code is ${report.verdict}`);
  const who = new Set<string>();
  let invalid = 0;
  for (const schedule of schedules) {
    const steps = replay(s, schedule).steps;
    const by = (op: string) => steps.find((st) => st.op === op)?.thread ?? '-';
    who.add(`${by('exit_mmap')} ${by('svm_dev_stop')}`);
    if (steps.some((st) => st.op === 'atomic_inc_not_zero' && st.note?.includes('is 0: not taken'))) invalid++;
  }
  return { executions: schedules.length, who: [...who].sort(), invalid };
}

/** The fixed code with two devices, every schedule with at most one preemption (the full search is too long for a build). */
export function twoDevicesBounded(): Report {
  const r = explore(svmRuns.fixedTwoDevices, { preemptionBound: 1 });
  if (r.stats.failing !== 0 || r.incomplete?.bound !== 'preemptionBound') fail(`the fixed code with two devices, one preemption: ${r.message}`);
  return r;
}

/** The one lock dependency every report records (the page says they agree, and that none warns). */
export function sameLockdep(reports: Report[]): string {
  const deps = reports.map((r) => r.lockdep.edges.map((e) => `${e.from} → ${e.to}`).join(', '));
  if (new Set(deps).size !== 1 || deps[0] === '' || reports.some((r) => r.lockdep.warnings.length > 0)) fail(`the variants' lockdep reports differ or warn: ${deps.join(' | ')}`);
  return deps[0]!;
}
