import { now } from '../clock.ts';
import { count } from '../plural.ts';
import type { Bound, ExploreOptions, ExploreStats, ResolvedOptions } from './options.ts';

/**
 * Bounds and budgets: which bound made the search incomplete, and the clock. The clock is read
 * every CLOCK_EVERY steps, inside executions as well as between them, so a time budget ends the
 * search within a few steps of running out (a long execution no longer overshoots it) and progress
 * is reported about every 100 ms.
 */
const CLOCK_EVERY = 16;
const PROGRESS_MS = 100;

export class Budget {
  readonly started = now();
  readonly deadline: number;
  /** The bound that made the search incomplete, with a sentence saying how. */
  incomplete: { bound: Bound; message: string } | null = null;
  outOfTime = false;
  #lastProgress = this.started;
  #sinceCheck = 0;

  readonly #o: ResolvedOptions;
  readonly #onProgress: ExploreOptions['onProgress'];
  readonly #stats: ExploreStats;

  constructor(o: ResolvedOptions, onProgress: ExploreOptions['onProgress'], stats: ExploreStats) {
    this.#o = o;
    this.#onProgress = onProgress;
    this.#stats = stats;
    this.deadline = this.started + o.timeBudgetMs;
  }

  /**
   * Records a bound that made the search incomplete. The first one is kept, except that a bound
   * that stopped the whole search (time, executions) replaces one that only cut executions short.
   */
  hit(bound: Bound, message: string): void {
    const stops = (b: Bound) => b === 'timeBudgetMs' || b === 'maxExecutions';
    if (this.incomplete === null || (stops(bound) && !stops(this.incomplete.bound))) this.incomplete = { bound, message };
  }

  /** Counts a step; every CLOCK_EVERY steps, reads the clock. False once out of time. */
  step(): boolean {
    this.#stats.steps++;
    if (++this.#sinceCheck < CLOCK_EVERY) return !this.outOfTime;
    return this.check();
  }

  /** Reads the clock: reports progress when it is due; false once out of time. */
  check(): boolean {
    this.#sinceCheck = 0;
    const t = now();
    if (this.#onProgress && t - this.#lastProgress >= PROGRESS_MS) {
      this.#lastProgress = t;
      this.#onProgress({ ...this.#stats, ms: Math.round(t - this.started) });
    }
    if (t >= this.deadline && !this.outOfTime) {
      this.outOfTime = true;
      this.hit('timeBudgetMs', `the search stopped after ${Math.round(t - this.started)} ms (timeBudgetMs)`);
    }
    return !this.outOfTime;
  }

  /** Whether another execution may start; records maxExecutions when not. */
  anotherExecution(): boolean {
    if (this.#stats.executions < this.#o.maxExecutions) return this.check();
    this.hit('maxExecutions', `the search stopped after ${count(this.#o.maxExecutions, 'execution')} (maxExecutions)`);
    return false;
  }

  /** Whether a schedule with `preemptions` preemptions is within the bound; counts it pruned when not. */
  withinPreemptions(preemptions: number): boolean {
    if (preemptions <= this.#o.preemptionBound) return true;
    this.#stats.pruned++;
    this.hit('preemptionBound', `schedules with more than ${this.#o.preemptionBound} preemptions were not explored (preemptionBound)`);
    return false;
  }
}
