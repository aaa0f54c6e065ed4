/**
 * The explorer against the DPOR literature and its own bounds. Run with `npm run bench`; the tables
 * go in README.
 *
 * - Literature: executions of the stateless search (complete, and sleep-set-blocked) beside the
 *   optimal count (one per Mazurkiewicz trace) for lastzero, indexer (CAS, and CAS under a mutex
 *   per slot) and filesystem; then the search with the state cache.
 * - Budgets: how far past `timeBudgetMs` the search ends, and the longest gap between progress calls.
 * - Cost per step in one long execution, as it grows.
 */
import { atomic_inc, atomic_read, explore, scenario, type Scenario } from '@interleave/engine';
import { filesystem, indexer, lastzero, type LiteratureCase } from './literature.ts';

const LITERATURE_BUDGET_MS = 60_000;

export function literatureRows(): string {
  const cases: LiteratureCase[] = [
    ...[5, 6, 8, 10, 12].map(lastzero),
    ...[12, 13, 14, 15].map((n) => indexer(n, false)),
    ...[12, 13, 14].map((n) => indexer(n, true)),
    ...[14, 16, 18, 19].map(filesystem),
  ];
  const lines = [
    '| benchmark | optimal | executions | of which sleep-set blocked | executions / optimal | time | with the state cache: executions (stopped at a known state) | time |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const run = (c: LiteratureCase, stateCache: boolean | number) => {
    const t = performance.now();
    const r = explore(c.scenario, { maxExecutions: 5_000_000, timeBudgetMs: LITERATURE_BUDGET_MS, stateCache });
    return { r, ms: Math.round(performance.now() - t), done: r.complete ? '' : ` (stopped: ${r.incomplete!.bound})` };
  };
  for (const c of cases) {
    // The optimal count is that of a stateless search: one execution per Mazurkiewicz trace.
    const { r, ms, done } = run(c, false);
    const cached = run(c, true);
    const ratio = (r.stats.executions / c.optimal).toFixed(2);
    lines.push(`| ${c.scenario.name} | ${c.optimal} | ${r.stats.executions}${done} | ${r.stats.redundant} | ${ratio} | ${ms} ms | ${cached.r.stats.executions}${cached.done} (${cached.r.stats.revisits}) | ${cached.ms} ms |`);
  }
  return lines.join('\n');
}

/** `threads` threads each reading and bumping one counter `steps` times: executions of many steps. */
function busy(threads: number, steps: number): Scenario {
  return scenario(`${threads} threads x ${steps} steps`, (k) => {
    const c = k.atomic('c');
    for (let i = 0; i < threads; i++) {
      k.thread(`T${i}`, function* () {
        for (let j = 0; j < steps / 2; j++) {
          yield* atomic_read(c);
          yield* atomic_inc(c);
        }
      });
    }
  });
}

export function budgetRows(): string {
  const lines = ['| scenario | timeBudgetMs | ended after | overshoot | longest gap between progress calls |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const [threads, steps, budget] of [[10, 200, 500], [10, 2_000, 2_000], [4, 50_000, 1_000]] as const) {
    let last = performance.now();
    let gap = 0;
    const start = last;
    explore(busy(threads, steps), {
      timeBudgetMs: budget,
      maxSteps: 1_000_000,
      maxExecutions: 1e9,
      onProgress: () => {
        const t = performance.now();
        gap = Math.max(gap, t - last);
        last = t;
      },
    });
    const end = performance.now();
    gap = Math.max(gap, end - last);
    const ms = end - start;
    lines.push(`| ${threads} threads x ${steps} steps | ${budget} | ${Math.round(ms)} ms | ${(((ms - budget) / budget) * 100).toFixed(1)}% | ${Math.round(gap)} ms |`);
  }
  return lines.join('\n');
}

export function stepCostRows(): string {
  const lines = ['| one execution of | time | per step |', '| ---: | ---: | ---: |'];
  for (const steps of [5_000, 10_000, 20_000, 40_000]) {
    const s = scenario(`${steps} atomic_inc`, (k) => {
      const c = k.atomic('c');
      k.thread('T', function* () {
        for (let i = 0; i < steps; i++) yield* atomic_inc(c);
      });
    });
    explore(s, { maxSteps: steps }); // warm-up
    const t = performance.now();
    explore(s, { maxSteps: steps });
    const ms = performance.now() - t;
    lines.push(`| ${steps} steps | ${Math.round(ms)} ms | ${((ms * 1000) / steps).toFixed(2)} µs |`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  console.log(`Node ${process.version}\n\n### The DPOR literature\n\n${literatureRows()}\n`);
  console.log(`### Time budget and progress within executions\n\n${budgetRows()}\n`);
  console.log(`### Cost per step\n\n${stepCostRows()}`);
}
