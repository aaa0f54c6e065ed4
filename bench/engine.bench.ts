/**
 * Explorer throughput: exhaustive exploration of dining philosophers (deadlocking and ordered),
 * readers/writers mixes on one rwsem, and independent threads. Each row is the median of several
 * runs after a warm-up. Run with `npm run bench`; the table goes in README.
 */
import { explore, type Report, type Scenario } from '@interleave/engine';
import { independent, philosophers, readersWriters } from './scenarios.ts';
import { median } from './median.ts';

const RUNS = 7;

/** Runs until the JIT has settled: at least 3 runs and 500 ms. */
function warmUp(s: Scenario): void {
  const start = performance.now();
  for (let i = 0; i < 3 || performance.now() - start < 500; i++) explore(s);
}

function measure(s: Scenario): { report: Report; ms: number } {
  warmUp(s);
  const times: number[] = [];
  let report!: Report;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    report = explore(s, { maxExecutions: 5_000_000, timeBudgetMs: 120_000 });
    times.push(performance.now() - t);
  }
  return { report, ms: median(times) };
}

export interface Row {
  scenario: string;
  verdict: string;
  executions: number;
  ms: number;
  perSecond: number;
  shortest: number | null;
}

export function engineRows(): Row[] {
  const scenarios: Scenario[] = [
    ...[3, 4, 5, 6, 7].map((n) => philosophers(n, false)),
    ...[3, 4, 5, 6, 7].map((n) => philosophers(n, true)),
    readersWriters(2, 2, 'fifo'),
    readersWriters(3, 2, 'fifo'),
    readersWriters(3, 2, 'phase-fair'),
    readersWriters(3, 2, 'reader-preferring'),
    independent(8),
  ];
  return scenarios.map((s) => {
    const { report, ms } = measure(s);
    return {
      scenario: s.name,
      verdict: report.verdict,
      executions: report.stats.executions,
      ms: Math.round(ms * 10) / 10,
      perSecond: Math.round(report.stats.executions / (ms / 1000)),
      shortest: report.counterexample?.steps.length ?? null,
    };
  });
}

export function table(rows: Row[]): string {
  const lines = ['| scenario | verdict | executions | time (median) | executions/s | shortest failure |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.verdict} | ${r.executions} | ${r.ms} ms | ${r.perSecond} | ${r.shortest === null ? '' : `${r.shortest} steps`} |`);
  return lines.join('\n');
}

if (import.meta.main) {
  console.log(`Node ${process.version}, median of ${RUNS} runs after warm-up\n`);
  console.log(table(engineRows()));
}
