import type { ExploreStats, ResolvedOptions } from '../core/explorer.ts';
import { FLAGS } from './args.ts';

/** Searches shorter than this show no progress. */
export const PROGRESS_AFTER_MS = 1000;

/**
 * One line of progress: executions, elapsed time, rate, and the bound nearest to running out
 * (the share of it used), e.g. `exploring: 12400 executions, 3.1 s, 4000/s; --time-budget 16% used`.
 */
export function progressLine(stats: ExploreStats, options: ResolvedOptions): string {
  const s = stats.ms / 1000;
  const used: [string, number][] = [
    [FLAGS.maxExecutions, stats.executions / options.maxExecutions],
    [FLAGS.timeBudgetMs, stats.ms / options.timeBudgetMs],
    [FLAGS.maxSteps, stats.longest / options.maxSteps],
  ];
  const [flag, share] = used.reduce((a, b) => (b[1] > a[1] ? b : a));
  return `exploring: ${stats.executions} executions, ${s.toFixed(1)} s, ${Math.round(stats.executions / Math.max(s, 0.001))}/s; ${flag} ${Math.floor(share * 100)}% used`;
}
