import { DEFAULT_OPTIONS as DEFAULTS, exploreScenario, type Bound, type Failure, type ExploreOptions, type ExploreStats, type ResolvedOptions } from './core/explorer.ts';
import { Simulation, replaySchedule, type Loop, type Step, type Trace, type Verdict } from './core/simulation.ts';
import { Lockdep, type LockdepReport } from './checks/lockdep.ts';
import { count } from './core/plural.ts';
import { countSwitches, decodeSchedule } from './core/schedule.ts';
import { isScenario, type Scenario } from './core-scenario.ts';
import { isLasso, replayLasso } from './core/liveness/lasso.ts';
import type { WorldObserver } from './core/world.ts';

/** The shortest failing execution: replay its `schedule` to see it again. */
export interface Counterexample {
  schedule: string;
  steps: Step[];
  /** Switches between threads: the fewest any equivalent order of these steps needs. */
  switches: number;
  /** False when the search for the fewest switches was too large and an equivalent order was kept. */
  fewestSwitches: boolean;
  /** For a violation: the rule (`sleep-in-atomic`, `use-after-free`, ...). */
  rule?: string;
  /** Model-specific detail, e.g. the reference chain of a leak. */
  detail?: unknown;
  /** For a starvation: the loop of the lasso (`schedule` is `prefix(loop)`), which can repeat forever. */
  loop?: Loop;
}

export interface Report {
  scenario: string;
  verdict: Verdict;
  /** One plain sentence: what went wrong, naming threads and objects (or why the verdict is ok). */
  message: string;
  counterexample?: Counterexample;
  /** Whether every interleaving was covered (up to reordering independent steps). */
  complete: boolean;
  /** The bound or budget that ran out first, if one did. */
  incomplete?: { bound: Bound; message: string };
  stats: ExploreStats;
  options: ResolvedOptions;
  /** Lockdep's view of every execution explored, even when none deadlocked. */
  lockdep: LockdepReport;
}

/** The default bounds and budgets of `explore`, frozen: pass options to change them for one search. */
export const DEFAULT_OPTIONS: Readonly<ResolvedOptions> = Object.freeze({ ...DEFAULTS });

const NUMERIC_OPTIONS = ['maxExecutions', 'maxSteps', 'timeBudgetMs', 'preemptionBound'] as const;

/** A numeric option given as something else (`'5'`, say) is named with its type, not printed as if it were a number. */
function checkOptionTypes(options: ExploreOptions): void {
  if (options === null || typeof options !== 'object') return; // validateOptions says so
  for (const name of NUMERIC_OPTIONS) {
    const v: unknown = options[name];
    if (v !== undefined && typeof v !== 'number') {
      throw new Error(`explore: ${name} must be a number, got the ${typeof v} ${typeof v === 'string' ? `'${v.slice(0, 20)}'` : String(v).slice(0, 20)}`);
    }
  }
}

/** A schedule as messages quote it: a long one is cut, so a bad 1 MB token does not make a 1 MB message. */
function quoteSchedule(schedule: string): string {
  return schedule.length <= 60 ? schedule : `${schedule.slice(0, 40)}…(${schedule.length} characters)`;
}

function requireScenario(fn: string, s: unknown): asserts s is Scenario {
  if (!isScenario(s)) throw new Error(`${fn}: expected a scenario made by scenario(name, build), got ${s === null ? 'null' : typeof s}`);
}

/** Searches the scenario's interleavings and reports the shortest failure, or that there is none. */
export function explore(s: Scenario, options: ExploreOptions = {}): Report {
  requireScenario('explore', s);
  checkOptionTypes(options);
  const lockdep = new Lockdep();
  const result = exploreScenario(s, options, () => [lockdep]);
  const { failure, incomplete, stats } = result;
  const report: Report = {
    scenario: s.name,
    verdict: 'ok',
    message: '',
    complete: incomplete === null,
    stats,
    options: result.options,
    lockdep: lockdep.report(),
  };
  if (incomplete) report.incomplete = incomplete;
  if (failure) {
    const trace = replayFailure(s, failure);
    if (trace.schedule !== failure.schedule) {
      failure.switches = countSwitches(decodeSchedule(trace.schedule, trace.states[0]!.threads.length));
      failure.fewestSwitches = false;
      failure.schedule = trace.schedule;
    }
    report.verdict = failure.kind;
    report.message = trace.message;
    report.counterexample = {
      schedule: failure.schedule,
      steps: trace.steps,
      switches: failure.switches,
      fewestSwitches: failure.fewestSwitches,
      ...(failure.rule && failure.kind === 'violation' ? { rule: failure.rule } : {}),
      // The replay's detail: its step numbers are those of the schedule reported.
      ...(trace.detail === undefined ? {} : { detail: trace.detail }),
      ...(trace.loop ? { loop: trace.loop } : {}),
    };
  } else if (incomplete) {
    report.verdict = 'incomplete';
    report.message = `No failure found in ${count(stats.executions, 'execution')}, but the search is incomplete: ${incomplete.message}.`;
  } else {
    report.message = result.options.liveness
      ? `No execution fails and no thread starves: ${count(stats.states ?? 0, 'state')} cover every interleaving, and in no cycle among them does a thread wait throughout while the others run (under weak fairness).`
      : `No execution fails: ${count(stats.executions, 'execution')} ${stats.executions === 1 ? 'covers' : 'cover'} every interleaving, up to reordering of independent steps${revisited(stats)}.`;
  }
  return report;
}

/** How many executions stopped at a state explored before (the state cache), as a clause. */
function revisited(stats: ExploreStats): string {
  const n = stats.revisits ?? 0;
  return n === 0 ? '' : ` (${n === stats.executions ? (n === 1 ? 'it stops' : 'all stop') : n === 1 ? 'one of them stops' : `${n} of them stop`} at a state explored before)`;
}

/**
 * The trace of a failure. Its schedule is the failing steps alone, reordered; where that does not
 * fail the same way (threads that share a JavaScript variable the search cannot see), the whole
 * execution it was found in, which replays as it ran.
 */
function replayFailure(s: Scenario, failure: Failure): Trace {
  for (const schedule of [failure.schedule, failure.execution]) {
    let trace: Trace;
    try {
      trace = replayAny(s, schedule);
    } catch {
      continue;
    }
    if (trace.outcome === failure.kind) return trace;
  }
  throw new Error(`internal error: the failing execution '${failure.execution}' of '${s.name}' does not replay to ${failure.kind}`);
}

/** A schedule, or a lasso (`prefix(loop)`, a starvation: core/liveness/lasso.ts). */
function replayAny(s: Scenario, schedule: string, observers: readonly WorldObserver[] = []): Trace {
  return isLasso(schedule) ? replayLasso(s, schedule, observers) : replaySchedule(s, schedule, observers);
}

/** Re-runs one execution from a schedule token (or a starvation's lasso); a token that does not fit is an Error. */
export function replay(s: Scenario, schedule: string): Trace & { lockdep: LockdepReport } {
  requireScenario('replay', s);
  const lockdep = new Lockdep();
  try {
    const trace = replayAny(s, schedule, [lockdep]);
    return { ...trace, lockdep: lockdep.report() };
  } catch (e) {
    if (typeof schedule !== 'string' || schedule.length <= 60 || !(e instanceof Error)) throw e;
    throw new Error(e.message.replaceAll(schedule, quoteSchedule(schedule)), { cause: e });
  }
}

/** Starts an execution you step by hand (the widgets' reader-as-scheduler). */
export function simulate(s: Scenario): Simulation & { lockdep(): LockdepReport } {
  requireScenario('simulate', s);
  const lockdep = new Lockdep();
  const sim = new Simulation(s, [lockdep]);
  return Object.assign(sim, { lockdep: () => lockdep.report() });
}
