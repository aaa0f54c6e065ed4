/**
 * Build-time helpers for the vfio-pci case page (content/cases/vfio-pci.mdx): the scenarios it
 * shows (shared with the page header through the case registry), executions stepped by hand, the
 * functions of the engine's listings cut out for reading, and lock-order graphs drawn from what the
 * engine's lockdep recorded.
 */
import { simulate, type LockdepReport, type LockdepEdge, type Outcome, type Report, type Scenario } from '@interleave/engine';
import { getCase } from '@interleave/engine/cases';
import type { Graph } from '../lib/waitfor.ts';
import { exploreOnce } from '../lib/run.ts';

export const vfio = getCase('vfio-pci');

/** The case's scenario for these parameters (the registry builds each one once). */
export const build = (params: Record<string, string | number>): Scenario => vfio.build(params);

type Sim = ReturnType<typeof simulate>;

/** Steps `thread` until it cannot run (it finished, or it waits). */
function runOut(sim: Sim, thread: string): void {
  while (sim.runnable().includes(thread)) sim.step(thread);
}

/** Steps `thread` until it has taken its `n`-th step of `op`, counting from now. */
function runThrough(sim: Sim, thread: string, op: string, n = 1): void {
  let seen = 0;
  while (sim.runnable().includes(thread)) {
    if (sim.step(thread).op === op && ++seen === n) return;
  }
  throw new Error(`vfio-pci page: ${thread} stopped before its step ${n} of ${op}`);
}

export interface HandRun {
  outcome: Outcome;
  schedule: string;
  lockdep: LockdepReport;
  /** What each thread's user code saw, by thread. */
  seen: Record<string, string[]>;
}

/** What each thread's user code has seen so far (its system calls and accesses, with their results). */
function seenBy(sim: Sim): Record<string, string[]> {
  const seen: Record<string, string[]> = {};
  for (const o of sim.snapshot().objects) if (o.kind === 'user_view') seen[String(o.name).replace(/\.user$/, '')] = [...(o.seen as string[])];
  return seen;
}

function finish(sim: Sim, what: string): HandRun {
  const outcome = sim.outcome;
  if (!outcome) throw new Error(`vfio-pci page: ${what} did not end`);
  return { outcome, schedule: sim.schedule, lockdep: sim.lockdep(), seen: seenBy(sim) };
}

/** One execution of `s` in which the threads run one after another, each to its end: nothing overlaps. */
export function oneAfterAnother(s: Scenario, order: string[]): HandRun {
  const sim = simulate(s);
  for (const t of order) runOut(sim, t);
  return finish(sim, `${s.name} with ${order.join(', ')} one after another`);
}

/**
 * The fixed code at work (script 5b, two rounds of pread and load): T1 maps BAR0 and reads it; T2
 * turns memory off; T1's pread gets -EIO and its load SIGBUS; T2 turns memory on; T1's pread works
 * and its load faults the BAR back in. `events` lists what the threads' user code saw, in the order
 * it happened.
 */
export function fixedTour(): HandRun & { events: { thread: string; what: string }[] } {
  const sim = simulate(build({ variant: 'fixed', accesses: 2 }));
  const events: { thread: string; what: string }[] = [];
  const phase = (run: () => void) => {
    const before = seenBy(sim);
    run();
    for (const [thread, all] of Object.entries(seenBy(sim))) for (const what of all.slice(before[thread]?.length ?? 0)) events.push({ thread, what });
  };
  phase(() => runThrough(sim, 'T1', 'load', 2)); // mmap, the first load faults, the retried load reads BAR0
  phase(() => runThrough(sim, 'T2', 'up_write')); // memory off: the mapping is zapped and untracked
  phase(() => runThrough(sim, 'T1', 'up_read')); // pread: memory_lock for read, memory is off, -EIO
  phase(() => {
    runThrough(sim, 'T1', 'load'); // the load faults
    runThrough(sim, 'T1', 'up_read', 2); // the fault finds memory off: SIGBUS
  });
  phase(() => runOut(sim, 'T2')); // memory on again
  phase(() => runOut(sim, 'T1')); // pread works; the load faults, re-tracks the VMA and maps it
  const run = finish(sim, 'the fixed tour');
  const expected = ['T1 load BAR0 → ok', 'T2 PCI_COMMAND = IO → 0', 'T1 pread BAR0 → -EIO', 'T1 load BAR0 → SIGBUS', 'T2 PCI_COMMAND = IO | MEMORY → 0', 'T1 pread BAR0 → 4', 'T1 load BAR0 → ok'];
  const got = events.map((e) => `${e.thread} ${e.what}`);
  if (got.join('; ') !== expected.join('; ')) throw new Error(`vfio-pci page: the text describes the fixed tour as ${expected.join('; ')}, but the engine now gives ${got.join('; ')}`);
  return { ...run, events };
}

/**
 * The named functions of a variant's listing, in the listing's order of the names given, each with
 * the comment lines right above it: for reading beside a timeline, or for a diff.
 */
export function functionsOf(variant: string, ...names: string[]): string {
  const l = vfio.listings[variant];
  if (!l) throw new Error(`vfio-pci page: no listing '${variant}'`);
  const lines = l.text.split('\n');
  return names
    .map((name) => {
      const f = l.functions.find((x) => x.name === name);
      if (!f) throw new Error(`vfio-pci page: no function ${name} in the ${variant} listing (it has ${l.functions.map((x) => x.name).join(', ')})`);
      let start = f.start - 1;
      while (start > 0 && /^(\/\*|\s\*)/.test(lines[start - 1]!)) start--;
      return lines.slice(start, f.end).join('\n');
    })
    .join('\n\n');
}

/** The line of a variant's listing that carries the engine's label `label` (so the page marks lines without counting). */
export function lineOf(variant: string, label: string): number {
  const n = vfio.listings[variant]?.labels.get(label);
  if (n === undefined) throw new Error(`vfio-pci page: no label ${label} in the ${variant} listing`);
  return n;
}

/** The lines of several labels. */
export const linesOf = (variant: string, ...labels: string[]): number[] => labels.map((l) => lineOf(variant, l));

/**
 * Explores `s` (once per build, shared with the rest of the page) and fails the build unless its
 * shortest failure is `schedule`: the page's prose names steps of that execution.
 */
export function pinned(s: Scenario, schedule: string): Report {
  const r = exploreOnce(s);
  if (r.counterexample?.schedule !== schedule) {
    throw new Error(`vfio-pci page: the text describes ${s.name}'s shortest failure as schedule ${schedule}, but the engine now finds ${r.counterexample?.schedule ?? 'none'} (${r.message}). Update the text.`);
  }
  return r;
}

/** The document's lock order, left to right in the graphs. */
const ORDER = ['mmap_sem', 'vma_lock', 'memory_lock'];

const WHERE: Record<string, string> = {
  vfio_pci_mmap_fault: 'fault',
  vfio_pci_zap_and_down_write_memory_lock: 'zap',
  vfio_pci_zap_and_vma_lock: 'zap',
  vfio_pci_bar_rw: 'bar_rw',
};

/** Where a lockdep edge's second lock was taken, in a word: "fault", "zap", "bar_rw". */
function whereOf(e: LockdepEdge): string {
  const fn = / in (\w+), line /.exec(e.toAt)?.[1];
  const word = fn ? WHERE[fn] : undefined;
  if (!word) throw new Error(`vfio-pci page: no short name for where ${e.to} was taken (${e.toAt})`);
  return word;
}

/**
 * The lock-order graph lockdep recorded: one node per lock class (or only the classes `only` names),
 * in the document's order, and an arrow from each class held to each class taken under it, labelled
 * with the code that took the second one.
 */
export function lockOrderGraph(report: LockdepReport, only?: string[]): Graph {
  const rank = (c: string) => (ORDER.indexOf(c) < 0 ? ORDER.length : ORDER.indexOf(c));
  const keep = (c: string) => !only || only.includes(c);
  if (only) for (const c of only) if (!report.classes.includes(c)) throw new Error(`vfio-pci page: lockdep saw no class ${c}`);
  const nodes = report.classes.filter(keep).sort((a, b) => rank(a) - rank(b)).map((c) => ({ id: c, label: c, kind: 'object' as const }));
  const edges = new Map<string, Graph['edges'][number]>();
  for (const e of report.edges) {
    if (!keep(e.from) || !keep(e.to)) continue;
    const key = `${e.from} ${e.to}`;
    if (edges.has(key)) continue;
    edges.set(key, {
      from: e.from,
      to: e.to,
      label: whereOf(e),
      text: `${e.from} → ${e.to}: ${e.thread} took ${e.to}${e.toMode === 'exclusive' ? '' : ` for ${e.toMode}`} at ${e.toAt}, holding ${e.from}${e.fromMode === 'exclusive' ? '' : ` for ${e.fromMode}`}.`,
    });
  }
  return { nodes, edges: [...edges.values()] };
}

/** A lockdep report with only the warnings `keep` selects. */
export function onlyWarnings(report: LockdepReport, keep: (w: LockdepReport['warnings'][number]) => boolean): LockdepReport {
  return { ...report, warnings: report.warnings.filter(keep) };
}
