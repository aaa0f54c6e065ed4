/** The messages between the widget and its search worker. */
import type { Bound, ExploreStats, Loop, ResolvedOptions, Verdict } from '@interleave/engine';

/** The search's bounds in the browser: the engine's defaults, with less time. */
export const SEARCH_BOUNDS = { maxExecutions: 100_000, timeBudgetMs: 15_000 } as const;

export interface SearchRequest {
  caseId: string;
  /** The variant and the parameters, as `Case.build` takes them. */
  params: Record<string, string | number>;
  maxExecutions: number;
  timeBudgetMs: number;
}

/** Loads a case in a worker ahead of its search, so "Find a failure" does not wait for it. */
export interface WarmRequest {
  warm: string;
}

export interface SearchResult {
  verdict: Verdict;
  message: string;
  /** The shortest failing schedule, when there is one. */
  schedule?: string;
  steps?: number;
  /** For a starvation: the loop of the lasso `schedule` (`prefix(loop)`), which repeats forever. */
  loop?: Loop;
  complete: boolean;
  incomplete?: { bound: Bound; message: string };
  stats: ExploreStats;
  options: ResolvedOptions;
}

export type SearchMessage =
  | { type: 'progress'; executions: number; ms: number }
  | { type: 'done'; result: SearchResult }
  | { type: 'error'; message: string };
