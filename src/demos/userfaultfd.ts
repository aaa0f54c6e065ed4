/**
 * The engine runs of the userfaultfd case page (content/cases/userfaultfd.mdx): every scenario the
 * page shows, built once so that each is explored once per build, and the executions the page
 * narrates step by step. The fixed code's run in the embrace's schedule is found by stepping the
 * engine (not a hard-coded schedule), and every fact the text relies on is checked here: if a model
 * change breaks one, the build fails with the reason.
 *
 * The two-process fixed and kmap_atomic variants take about ten thousand executions each; the page
 * header explores them (src/lib/cases.ts) and the page reuses that report instead of exploring them
 * again.
 */
import { theStep } from '../lib/steps.ts';
import { userfaultfd } from '@interleave/engine/internal/cases/userfaultfd';
import { replay, simulate, type Report, type Scenario, type Step, type Trace } from '@interleave/engine';
import type { LockdepReport } from '@interleave/engine';
import { exploreOnce } from '../lib/run.ts';
import { summarize } from '../lib/cases.ts';

const c = userfaultfd;

/** Every scenario the page explores or replays, by what it shows. */
export const uffdRuns = {
  buggy: c.build({ variant: 'buggy' }),
  fixed: c.build({ variant: 'fixed' }),
  buggyFifo: c.build({ variant: 'buggy', policy: 'fifo' }),
  buggyReaderPreferring: c.build({ variant: 'buggy', policy: 'reader-preferring' }),
  buggyOne: c.build({ variant: 'buggy', form: 'one-process' }),
  buggyOneReaderPreferring: c.build({ variant: 'buggy', form: 'one-process', policy: 'reader-preferring' }),
  buggyOnePages: c.build({ variant: 'buggy', form: 'one-process', pages: 4 }),
  fixedOne: c.build({ variant: 'fixed', form: 'one-process' }),
  fixedOneFifo: c.build({ variant: 'fixed', form: 'one-process', policy: 'fifo' }),
  fixedOneReaderPreferring: c.build({ variant: 'fixed', form: 'one-process', policy: 'reader-preferring' }),
  fixedOnePages: c.build({ variant: 'fixed', form: 'one-process', pages: 4 }),
  beforeOne: c.build({ variant: 'kmap_atomic', form: 'one-process' }),
  ringBuggy: c.build({ variant: 'buggy', processes: 3 }),
  ringFixed: c.build({ variant: 'fixed', processes: 3 }),
} satisfies Record<string, Scenario>;

/**
 * The ring of three processes is too large to explore to the end at build time: each search is cut at
 * a number of executions (and at a time no build reaches, so the page does not depend on the machine).
 */
export const ringBounds = {
  buggy: { maxExecutions: 10_000, timeBudgetMs: 600_000 },
  fixed: { maxExecutions: 3_000, timeBudgetMs: 600_000 },
} as const;

function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`userfaultfd page: the engine no longer shows that ${what}; update content/cases/userfaultfd.mdx`);
}

/** The line of `label` in a variant's listing. */
export function line(variant: string, label: string): number {
  const n = c.listings[variant]?.labels.get(label);
  if (n === undefined) throw new Error(`userfaultfd page: the ${variant} listing has no label '${label}'`);
  return n;
}

/** One top-level function of a variant's listing, as the listing numbers its lines. */
export function fn(variant: string, name: string): string {
  const l = c.listings[variant]!;
  const f = l.functions.find((x) => x.name === name);
  if (!f) throw new Error(`userfaultfd page: the ${variant} listing has no function ${name}`);
  return l.text.split('\n').slice(f.start - 1, f.end).join('\n');
}

/** The -ENOENT fallback block of a variant's `__mcopy_atomic`, one indentation level less. */
export function fallback(variant: string): string {
  const lines = fn(variant, '__mcopy_atomic').split('\n');
  const from = lines.findIndex((s) => s.includes('err == -ENOENT'));
  const to = lines.findIndex((s) => s.includes('goto retry'));
  need(from >= 0 && to > from, `the ${variant} listing has its -ENOENT fallback`);
  return lines.slice(from, to + 2).map((s) => s.replace(/^\t\t/, '')).join('\n');
}

const where = (s: Step) => `${s.thread} ${s.op} ${s.target ?? ''}`.trim();

/** Ranges of consecutive steps by the same thread, 1-based: what the page's step-by-step list names. */
function runsOf(steps: readonly Step[]): { thread: string; from: number; to: number }[] {
  const out: { thread: string; from: number; to: number }[] = [];
  steps.forEach((s, i) => {
    const last = out[out.length - 1];
    if (last && last.thread === s.thread) last.to = i + 1;
    else out.push({ thread: s.thread, from: i + 1, to: i + 1 });
  });
  return out;
}

let memoEmbrace: { report: Report; runs: { thread: string; from: number; to: number }[] } | undefined;
/**
 * The shortest deadlock of the two-process form, which the page tells run by run: A1 to its fault,
 * B2 queues, B1 to its queued fault, A2 queues, A1's fault queues.
 */
export function embraceRun(): { report: Report; runs: { thread: string; from: number; to: number }[] } {
  if (memoEmbrace) return memoEmbrace;
  const report = exploreOnce(uffdRuns.buggy);
  const ce = report.counterexample;
  need(report.verdict === 'deadlock' && ce !== undefined, 'the buggy conversion deadlocks with two processes');
  const runs = runsOf(ce!.steps);
  need(runs.map((r) => r.thread).join() === 'A1,B2,B1,A2,A1', `the shortest deadlock runs A1, B2, B1, A2, A1 (it runs ${runs.map((r) => r.thread).join(', ')})`);
  const steps = ce!.steps;
  need(steps[runs[0]!.to - 1]!.op === 'copy_from_user' && steps[runs[0]!.to - 1]!.note === '0x10000 is not mapped: page fault', "A1's first run ends in its copy's page fault");
  need(where(steps[1]!) === 'A1 down_read mm_B.mmap_lock', "A1 read-locks B's mm first");
  need(steps[runs[1]!.from - 1]!.blocked && where(steps[runs[1]!.from - 1]!) === 'B2 down_write mm_B.mmap_lock', "B2's mmap() queues behind A1");
  need(steps[runs[2]!.to - 1]!.blocked && where(steps[runs[2]!.to - 1]!) === 'B1 down_read mm_B.mmap_lock', "B1's fault queues on mm_B");
  need(steps[runs[3]!.from - 1]!.blocked && where(steps[runs[3]!.from - 1]!) === 'A2 down_write mm_A.mmap_lock', "A2's mmap() queues behind B1");
  need(steps[steps.length - 1]!.blocked && where(steps[steps.length - 1]!) === 'A1 down_read mm_A.mmap_lock', "A1's fault queues behind A2 last");
  need(report.lockdep.warnings.map((w) => w.title).join() === 'possible recursive locking detected', 'lockdep reports possible recursive locking');
  memoEmbrace = { report, runs };
  return memoEmbrace;
}

/** The shortest deadlock of the one-process form (the cxl pattern), checked for the page's summary. */
export function oneProcessRun(): Report {
  const report = exploreOnce(uffdRuns.buggyOne);
  const steps = report.counterexample?.steps ?? [];
  need(report.verdict === 'deadlock', 'the buggy conversion deadlocks with one process');
  need(
    steps.filter((s) => s.blocked).map(where).join() === 'T2 down_write mm_P.mmap_lock,T1 down_read mm_P.mmap_lock',
    "T2's mmap() queues behind T1's read, then T1's fault queues behind T2",
  );
  return report;
}

/** Four pages per copy, one process: the buggy code deadlocks on the first page, exactly as with one. */
export function pagesRun(): Report {
  const one = oneProcessRun();
  const report = exploreOnce(uffdRuns.buggyOnePages);
  need(report.counterexample?.schedule === one.counterexample?.schedule, 'with four pages the buggy code deadlocks on the first page, in the same steps');
  return report;
}

export interface FixedStory {
  scenario: Scenario;
  schedule: string;
  trace: Trace & { lockdep: LockdepReport };
  /** Step numbers (1-based) the text points at. */
  at: {
    fastA: number;
    fastB: number;
    unlockA: number;
    unlockB: number;
    waitA: number;
    grantA: number;
    grantB: number;
    installA: number;
    installB: number;
    last: number;
  };
}

type Sim = ReturnType<typeof simulate>;

/** Steps `thread` until its first step of `op` (included), or while it can run. */
function run(sim: Sim, thread: string, op?: string): void {
  while (sim.runnable().includes(thread)) {
    if (sim.step(thread).op === op) return;
  }
  if (op) throw new Error(`userfaultfd page: ${thread} stopped before it took a step of ${op}`);
}

let memoFixed: FixedStory | undefined;
/**
 * The fixed code in the embrace's schedule: A1 to its copy, B2 queues, B1 to its copy, A2 queues
 * (the buggy code's order), then each thread in turn as far as it can go: A1, B1, A2, B2, A1, B1.
 */
export function fixedEmbrace(): FixedStory {
  if (memoFixed) return memoFixed;
  const scenario = uffdRuns.fixed;
  const sim = simulate(scenario);
  run(sim, 'A1', 'copy_from_user');
  sim.step('B2');
  run(sim, 'B1', 'copy_from_user');
  sim.step('A2');
  for (const t of ['A1', 'B1', 'A2', 'B2', 'A1', 'B1']) run(sim, t);
  need(sim.outcome?.verdict === 'ok', 'the fixed code finishes in the embrace schedule');
  const trace = replay(scenario, sim.schedule);
  const t = trace.steps;
  const no = (what: string, match: (s: Step) => boolean, from = 0) => theStep(t, `userfaultfd page: ${what}`, { where: match, after: from });
  const fastA = no("A1's copy under the lock fails fast", (s) => s.thread === 'A1' && s.op === 'copy_from_user' && /page faults are disabled/.test(s.note ?? ''));
  const fastB = no("B1's copy under the lock fails fast", (s) => s.thread === 'B1' && s.op === 'copy_from_user' && /page faults are disabled/.test(s.note ?? ''));
  for (const n of [fastA, fastB]) need(t[n - 1]!.note!.endsWith('no lock taken'), 'the copy under the lock takes no lock');
  need(t[fastA]!.thread === 'B2' && t[fastA]!.blocked && t[fastB]!.thread === 'A2' && t[fastB]!.blocked, 'the mappers queue right after the copies, as in the deadlock');
  const unlockA = no('A1 drops mm_B on -ENOENT', (s) => s.thread === 'A1' && s.op === 'up_read' && s.note === 'granted mm_B.mmap_lock to B2 (write)', fastA);
  const unlockB = no('B1 drops mm_A on -ENOENT', (s) => s.thread === 'B1' && s.op === 'up_read' && s.note === 'granted mm_A.mmap_lock to A2 (write)', fastB);
  need(t[unlockA - 1]!.note === 'granted mm_B.mmap_lock to B2 (write)', "A1's unlock lets B2's mmap() in");
  need(t[unlockB - 1]!.note === 'granted mm_A.mmap_lock to A2 (write)', "B1's unlock lets A2's mmap() in");
  const waitA = no("A1's fallback fault waits", (s) => s.thread === 'A1' && s.blocked, unlockA);
  need(waitA < unlockB && where(t[waitA - 1]!) === 'A1 down_read mm_A.mmap_lock', "A1's fallback fault queues behind A2 before B1 lets mm_A go");
  const after = trace.states[waitA]!;
  need(after.threads.find((x) => x.name === 'A1')!.holds.length === 0, 'A1 holds nothing while its fallback fault waits');
  need(after.threads.find((x) => x.name === 'B1')!.status === 'ready', 'B1 can run while A1 waits');
  const grantA = no("A2's mmap() lets A1's fault in", (s) => s.thread === 'A2' && s.op === 'up_write');
  const grantB = no("B2's mmap() lets B1's fault in", (s) => s.thread === 'B2' && s.op === 'up_write');
  need(t[grantA - 1]!.note === 'granted mm_A.mmap_lock to A1 (read)' && t[grantB - 1]!.note === 'granted mm_B.mmap_lock to B1 (read)', 'the mappers let the faults in');
  const installA = no('A1 installs its page', (s) => s.thread === 'A1' && s.op === 'mfill_atomic_install_pte');
  const installB = no('B1 installs its page', (s) => s.thread === 'B1' && s.op === 'mfill_atomic_install_pte');
  for (const n of [installA, installB]) need(t[n - 1]!.note!.endsWith('filled outside the lock'), 'the retry installs the page filled outside the lock');
  memoFixed = { scenario, schedule: sim.schedule, trace, at: { fastA, fastB, unlockA, unlockB, waitA, grantA, grantB, installA, installB, last: t.length } };
  return memoFixed;
}

/** The page header's report on the two-process fixed variant (explored once per build), checked. */
export function fixedReport(): Report {
  const r = summarize(c).variants.find((v) => v.variant.id === 'fixed')!.report;
  need(r.verdict === 'ok' && r.complete, `the fixed code is ok in every interleaving of two processes (the engine says ${r.verdict}: ${r.message})`);
  need(r.lockdep.warnings.length === 0, 'lockdep is silent on the fixed code');
  return r;
}
