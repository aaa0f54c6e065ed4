/**
 * The five cases: every variant explored at its default parameters and at a larger size, to the
 * end or to a 60 s budget (then the row says which bound stopped it). Each row is the median of a
 * few runs after one warm-up run. Run with `npm run bench`; the table goes in README.
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
const size = (params: Record<string, number>) => Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ');

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
      const time = ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
      const shortest = report.counterexample ? `${report.counterexample.steps.length} steps` : '';
      lines.push(`| ${id} | ${v.id} | ${label} | ${verdict} | ${fmt(report.stats.executions)} | ${time} | ${shortest} |`);
    }
  }
}
console.log(`Node ${process.version}, median of ${RUNS} runs after one warm-up; budget ${BUDGET_MS / 1000} s\n`);
console.log(lines.join('\n'));
