import type { Verdict, WorldSnapshot } from '../simulation.ts';

/** What `explore` takes and reports about the search itself: options, bounds, statistics. */

export type Bound = 'maxExecutions' | 'maxSteps' | 'timeBudgetMs' | 'preemptionBound' | 'maxStates';

export interface ExploreOptions {
  /** Stop after this many executions. */
  maxExecutions?: number;
  /** Cut an execution after this many steps (a thread that never ends runs into it). */
  maxSteps?: number;
  /** Stop after this much time. The only option that can make a report vary between runs. */
  timeBudgetMs?: number;
  /**
   * Explore only schedules with at most this many preemptions (switches away from a runnable
   * thread), as CHESS does. The reduction does not survive a bound (an order it would skip as
   * equivalent may be the only one within the bound), so a bounded search enumerates every schedule
   * within the bound: exact, and slower per schedule.
   */
  preemptionBound?: number;
  /** `'dpor'` (default) or `'none'`: enumerate every interleaving (for checking the reduction). */
  reduction?: 'dpor' | 'none';
  /**
   * Remember the states explored in full and stop an execution that comes back to one (stateful
   * DPOR, search/state-cache.ts). On by default, looking up every state where the search has a
   * choice (two threads or more awake); a number n looks up every n-th state instead; `false`
   * explores without.
   */
  stateCache?: boolean | number;
  /**
   * Also look for starvation: a thread that waits forever while the others run in a cycle (see
   * core/liveness/). The search is then stateful and exhaustive, without reduction.
   */
  liveness?: boolean;
  /** With `liveness`: stop after visiting this many distinct states. */
  maxStates?: number;
  /** Called about every 100 ms with the progress so far. */
  onProgress?: (stats: ExploreStats) => void;
  /** Called after each execution, to see every execution the search tried. */
  onExecution?: (execution: ExecutionSummary) => void;
}

/** One execution the search ran to its end (an execution ends at its first violation). */
export interface ExecutionSummary {
  /** Its outcome; `'redundant'` when it stopped because everything left was already covered. */
  verdict: Verdict | 'redundant';
  /** Replays to `verdict` (except a redundant one, which stopped short). */
  schedule: string;
  steps: number;
  /** The state at its end. */
  snapshot(): WorldSnapshot;
}

export interface ResolvedOptions {
  maxExecutions: number;
  maxSteps: number;
  timeBudgetMs: number;
  preemptionBound: number;
  reduction: 'dpor' | 'none';
  /** Which states are looked up: those with a choice, every n-th (n ≥ 1), or none (0). */
  stateCache: 'choices' | number;
  liveness: boolean;
  maxStates: number;
}

export const DEFAULT_OPTIONS: ResolvedOptions = {
  maxExecutions: 100_000,
  maxSteps: 2_000,
  timeBudgetMs: 20_000,
  preemptionBound: Infinity,
  reduction: 'dpor',
  stateCache: 'choices',
  liveness: false,
  maxStates: 100_000,
};

export interface ExploreStats {
  /** Executions run to their end (including redundant ones). */
  executions: number;
  /** Steps taken, counting the replay of prefixes. */
  steps: number;
  /** Executions abandoned because every runnable thread was asleep (already covered elsewhere). */
  redundant: number;
  /** Schedules skipped by the preemption bound. */
  pruned: number;
  /** Executions that failed (deadlock, violation or leak). */
  failing: number;
  /** The longest execution, in steps. */
  longest: number;
  ms: number;
  /** With `liveness`: the distinct states visited. With the state cache: the states it remembers. */
  states?: number;
  /** With the state cache: executions stopped at a state explored before (counted in `redundant` too). */
  revisits?: number;
  /** With the state cache: states visited again with threads awake that slept the first time, explored again for those threads alone. */
  reexplored?: number;
}

export function validateOptions(options: ExploreOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new Error(`explore: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const known = new Set([...Object.keys(DEFAULT_OPTIONS), 'onProgress', 'onExecution']);
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new Error(`explore: unknown option '${k}' (known: ${[...known].join(', ')})`);
  }
  const r = { ...DEFAULT_OPTIONS };
  const count = (name: 'maxExecutions' | 'maxSteps' | 'timeBudgetMs' | 'preemptionBound' | 'maxStates', min: number) => {
    const v = options[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || Number.isNaN(v) || v < min || (v !== Infinity && !Number.isInteger(v) && name !== 'timeBudgetMs')) {
      throw new Error(`explore: ${name} must be ${name === 'timeBudgetMs' ? 'a number' : 'an integer'} ≥ ${min} (or Infinity), got ${String(v)}`);
    }
    r[name] = v;
  };
  count('maxExecutions', 1);
  count('maxSteps', 1);
  count('timeBudgetMs', 1);
  count('preemptionBound', 0);
  count('maxStates', 1);
  if (options.liveness !== undefined) {
    if (typeof options.liveness !== 'boolean') throw new Error(`explore: liveness must be true or false, got ${JSON.stringify(options.liveness)}`);
    r.liveness = options.liveness;
  }
  const cache = options.stateCache;
  if (cache !== undefined) {
    if (typeof cache !== 'boolean' && !(Number.isInteger(cache) && cache >= 1)) throw new Error(`explore: stateCache must be true, false or an integer ≥ 1, got ${JSON.stringify(cache)}`);
    r.stateCache = cache === true ? 'choices' : cache === false ? 0 : cache;
  }
  if (r.maxSteps > 1_000_000) throw new Error(`explore: maxSteps must be at most 1000000, got ${r.maxSteps}`);
  if (options.reduction !== undefined) {
    if (options.reduction !== 'dpor' && options.reduction !== 'none') {
      throw new Error(`explore: reduction must be 'dpor' or 'none', got ${JSON.stringify(options.reduction)}`);
    }
    r.reduction = options.reduction;
  }
  for (const hook of ['onProgress', 'onExecution'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') throw new Error(`explore: ${hook} must be a function`);
  }
  return r;
}
