/**
 * The five cases: every variant explored at its default parameters and at a larger size, to the
 * end or to a 60 s budget (then the row says which bound stopped it). Each row is the median of a
 * few runs after one warm-up run. Run with `npm run bench`; the table goes in README. With
 * `--cache`, issue 11's scaled rows with and without the state cache instead (cacheRows).
 */
import { explore, type Report } from '@interleave/engine';
import { caseIds, getCase } from '@interleave/engine/cases';
import { median } from './median.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const BUDGET_MS = 60_000;

/** The larger size of each case: more pages, VMAs, ranges, requests or mappings than the story needs. */
const SCALED: Record<string, Record<string, number>> = {
  cxl: { pages: 4, vmas: 2 },
  hmm: { ranges: 2 },
  userfaultfd: { pages: 2 },
  'intel-svm': { requests: 2 },
  'vfio-pci': { mappings: 2 },
};

function measure(caseId: string, params: Record<string, string | number>): { report: Report; ms: number } {
  const s = getCase(caseId).build(params);
  const run = () => explore(s, { timeBudgetMs: BUDGET_MS, maxExecutions: 10_000_000 });
  let report = run();
  // A run that hit the budget is not repeated: its time is the budget.
  if (report.incomplete) return { report, ms: BUDGET_MS };
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    report = run();
    times.push(performance.now() - t);
  }
  return { report, ms: median(times) };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const size = (params: Record<string, number>) => Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ');

function caseRows(): string {
  const lines = [
    '| case | variant | size | verdict | executions | time (median) | shortest failure |',
    '| --- | --- | --- | --- | ---: | ---: | ---: |',
  ];
  for (const id of caseIds) {
    const c = getCase(id);
    for (const v of c.variants) {
      for (const [label, params] of [['default', {}], [size(SCALED[id]!), SCALED[id]!]] as const) {
        const { report, ms } = measure(id, { variant: v.id, ...params });
        const verdict = report.incomplete ? `${report.verdict} (${report.incomplete.bound})` : report.verdict;
        const shortest = report.counterexample ? `${report.counterexample.steps.length} steps` : '';
        lines.push(`| ${id} | ${v.id} | ${label} | ${verdict} | ${fmt(report.stats.executions)} | ${secs(ms)} | ${shortest} |`);
      }
    }
  }
  return `Node ${process.version}, median of ${RUNS} runs after one warm-up; budget ${BUDGET_MS / 1000} s\n\n${lines.join('\n')}`;
}

/**
 * The state cache at the sizes where executions grow with the work per thread (issue 11's scaled
 * rows): one run each with and without it, to a 120 s budget. Run with `node bench/cases.bench.ts
 * --cache` (this table only).
 */
function cacheRows(): string {
  const rows: [string, string, Record<string, number>][] = [
    ['userfaultfd', 'fixed', { pages: 2 }],
    ['userfaultfd', 'fixed', { pages: 3 }],
    ['userfaultfd', 'fixed', { pages: 4 }],
    ['userfaultfd', 'buggy', { pages: 4 }],
    ['intel-svm', 'fixed', { requests: 3 }],
    ['intel-svm', 'fixed', { requests: 4 }],
    ['intel-svm', 'fixed', { devices: 2, requests: 1 }],
    ['intel-svm', 'buggy', { devices: 2, requests: 2 }],
  ];
  const out = [
    '| case | variant | size | without: executions | steps | time | with the state cache: executions (stopped at a known state; states explored again for threads that slept) | steps | states remembered | time |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const cell = (r: Report) => `${fmt(r.stats.executions)}${r.incomplete ? ` (${r.incomplete.bound})` : ''}`;
  for (const [id, variant, params] of rows) {
    const s = getCase(id).build({ variant, ...params });
    const run = (stateCache: boolean) => {
      const t = performance.now();
      const r = explore(s, { timeBudgetMs: 120_000, maxExecutions: 10_000_000, stateCache });
      return { r, ms: performance.now() - t };
    };
    const a = run(false);
    const b = run(true);
    out.push(`| ${id} | ${variant} | ${size(params)} | ${cell(a.r)} | ${fmt(a.r.stats.steps)} | ${secs(a.ms)} | ${cell(b.r)} (${fmt(b.r.stats.revisits ?? 0)}; ${fmt(b.r.stats.reexplored ?? 0)}) | ${fmt(b.r.stats.steps)} | ${fmt(b.r.stats.states ?? 0)} | ${secs(b.ms)} |`);
  }
  return out.join('\n');
}

console.log(process.argv.includes('--cache') ? cacheRows() : caseRows());
