import { Execution } from '../../src/core/execution.ts';
import { footprintsConflict } from '../../src/core/object.ts';
import { withoutStepNumbers } from '../../src/core/fingerprint.ts';
import { snapshotOf } from '../../src/core/simulation.ts';
import { decodeSchedule, explore, replay, type ExploreOptions, type Report, type Scenario, type WorldSnapshot } from '../../src/index.ts';
import { programScenario, randomProgram } from './programs.ts';

/**
 * One program of the differential test: the reduced explorer against brute-force enumeration of
 * every interleaving (both with the same `maxSteps`, when one is given). They must agree on the
 * verdict, on the length of the shortest failure (and its switches, where both are proven fewest),
 * and on the set of states the executions that ended (not cut) end in; every counterexample must
 * replay to its verdict, and the reduced search may not run more executions than brute force.
 */
export interface Comparison {
  seed: number;
  maxSteps: number | undefined;
  verdict: string;
  dpor: number;
  brute: number;
  /** Executions the state cache's search stopped at a state it had explored: looking up every state, and (the default) those with a choice. */
  revisits: number;
  choiceRevisits: number;
  /** What disagreed, one word each (empty when the two agree). */
  problems: string[];
}

/**
 * The Mazurkiewicz trace of an execution, as a string: for every pair of dependent steps of
 * different threads (conflicting footprints, or a wake-up and the step it enabled), which came first.
 */
function traceOf(s: Scenario, schedule: string): string {
  const exec = new Execution(s);
  const steps = decodeSchedule(schedule, exec.threads.length).map((t) => exec.step(t));
  const seen = new Map<number, number>();
  const names = steps.map((r) => {
    const k = seen.get(r.tid) ?? 0;
    seen.set(r.tid, k + 1);
    return `${r.tid}.${k}`;
  });
  const order: string[] = [];
  for (let j = 0; j < steps.length; j++) {
    for (let i = 0; i < j; i++) {
      if (steps[i]!.tid !== steps[j]!.tid && (steps[j]!.wakeOf === i || footprintsConflict(steps[i]!.footprint, steps[j]!.footprint))) order.push(`${names[i]}<${names[j]}`);
    }
  }
  return order.sort().join(' ');
}

/**
 * Explores `s` with or without the reduction, collecting the end state (with the fewest steps an
 * execution took to it) and the trace of every execution that ran to its end. An execution stops at
 * its first violation, so where it stopped depends on which independent steps ran first: those are
 * left out.
 */
export function endStates(s: Scenario, reduction: 'dpor' | 'none', maxSteps: number | undefined, maxExecutions: number, stateCache: boolean | number = false): { report: Report; states: Map<string, number>; traces: Set<string> } {
  const states = new Map<string, number>();
  const ended: string[] = [];
  const report = explore(s, {
    reduction,
    stateCache,
    maxExecutions,
    ...(maxSteps === undefined ? {} : { maxSteps }),
    onExecution: (e) => {
      if (e.verdict !== 'ok' && e.verdict !== 'deadlock' && e.verdict !== 'leak') return;
      const state = `${e.verdict} ${JSON.stringify(e.snapshot())}`;
      states.set(state, Math.min(states.get(state) ?? Infinity, e.steps));
      ended.push(e.schedule);
    },
  });
  return { report, states, traces: new Set(ended.map((schedule) => traceOf(s, schedule))) };
}

function replaysTo(s: Scenario, r: Report): boolean {
  try {
    return replay(s, r.counterexample!.schedule).outcome === r.verdict;
  } catch {
    return false;
  }
}

/** Compares the two on program `seed` (of `size`, randomProgram's default if none); null when brute force cannot enumerate it within `bruteLimit` executions. */
export function compareOnProgram(seed: number, maxSteps: number | undefined, bruteLimit: number, size?: Parameters<typeof randomProgram>[1]): Comparison | null {
  return compareOnScenario(programScenario(randomProgram(seed, size), `program ${seed}`), seed, maxSteps, bruteLimit);
}

/**
 * Compares the two on the scenario `s` (numbered `seed` in the comparison), and the state cache's
 * searches with brute force: looking every state up, and the states with a choice; null as above.
 */
export function compareOnScenario(s: Scenario, seed: number, maxSteps: number | undefined, bruteLimit: number): Comparison | null {
  const brute = endStates(s, 'none', maxSteps, bruteLimit);
  if (brute.report.incomplete?.bound === 'maxExecutions') return null;
  const dpor = endStates(s, 'dpor', maxSteps, bruteLimit);
  const b = brute.report;
  const cached = endStates(s, 'dpor', maxSteps, bruteLimit, 1).report;
  const choices = endStates(s, 'dpor', maxSteps, bruteLimit, true).report;
  const problems = [...agreement(s, dpor.report, b, ''), ...agreement(s, cached, b, 'cache-'), ...agreement(s, choices, b, 'choices-')];
  // Once a failure is found, the search schedules the steps an execution stopped before only where
  // they could make a shorter failure: every end state is required only where an execution no longer
  // than the shortest failure ends (program 193 of the 3-4-thread programs ends well only in 7 steps,
  // past its 6-step violation), and every trace only when nothing fails.
  const within = b.counterexample?.steps.length ?? Infinity;
  if ([...brute.states].some(([x, steps]) => steps <= within && !dpor.states.has(x)) || [...dpor.states.keys()].some((x) => !brute.states.has(x))) problems.push('states');
  const traced = !b.counterexample;
  if (traced && (dpor.traces.size !== brute.traces.size || [...brute.traces].some((x) => !dpor.traces.has(x)))) problems.push('traces');
  if (b.counterexample && !replaysTo(s, b)) problems.push('replay-brute');
  return { seed, maxSteps, verdict: dpor.report.verdict, dpor: dpor.report.stats.executions, brute: b.stats.executions, revisits: cached.stats.revisits ?? 0, choiceRevisits: choices.stats.revisits ?? 0, problems };
}

/**
 * What must agree between a reduced search `a` and brute force `b`, prefixed by `label` (the state
 * cache's searches, which stop executions at states they know, are held to these but not to the end
 * states and traces: one looks every state up, so it stops as often as it can, and one looks up the
 * states with a choice, as `explore` does by default).
 */
function agreement(s: Scenario, a: Report, b: Report, label: string): string[] {
  const problems: string[] = [];
  if (a.verdict !== b.verdict) problems.push('verdict');
  if (!b.counterexample && a.complete !== b.complete) problems.push('complete');
  if (a.stats.executions > b.stats.executions) problems.push('executions');
  const ca = a.counterexample;
  const cb = b.counterexample;
  if (ca && cb) {
    if (ca.steps.length > cb.steps.length) problems.push('longer');
    if (ca.steps.length < cb.steps.length) problems.push('shorter');
    if (ca.steps.length === cb.steps.length && ca.fewestSwitches && cb.fewestSwitches && ca.switches !== cb.switches) problems.push('switches');
  }
  if (ca && !replaysTo(s, a)) problems.push('replay');
  return problems.map((p) => label + p);
}

/** A step bound for program `seed` that cuts some of its executions: 2 to 9 steps. */
export function stepBoundFor(seed: number): number {
  return 2 + ((seed * 7) % 8);
}

/** An end state as state identity sees it: the snapshot without step numbers, which are history. */
function endKey(snapshot: WorldSnapshot): string {
  return withoutStepNumbers(JSON.stringify(snapshot));
}

/**
 * The end states of `s`'s executions that end with every thread finished, each with the fewest
 * steps an execution took to it and how many executions ended there, as the search `options` finds
 * them; null where it found a failure or stopped short.
 */
export function endsOf(s: Scenario, options: ExploreOptions): Map<string, { shortest: number; count: number }> | null {
  const ends = new Map<string, { shortest: number; count: number }>();
  const r = explore(s, {
    ...options,
    onExecution: (e) => {
      if (e.verdict !== 'ok') return;
      const key = endKey(e.snapshot());
      const seen = ends.get(key);
      ends.set(key, { shortest: Math.min(seen?.shortest ?? Infinity, e.steps), count: (seen?.count ?? 0) + 1 });
    },
  });
  return r.verdict === 'ok' && r.complete ? ends : null;
}

/**
 * The state cache against a search that reaches every end state (brute force, or the stateless
 * search): for the end state `target`, an end check that fails exactly there must be found, in as
 * few steps as `shortest`, by the cache looking up every state and by the default, which looks up
 * the states with a choice. A cache that stopped an execution at a state whose futures it had not
 * all explored would miss end states. Returns what went wrong ('missed', 'longer', 'shorter', the
 * default's prefixed 'choices-'), or null, and how many states the searches explored again for
 * threads that had slept.
 */
export function cacheReaches(s: Scenario, target: string, shortest: number, maxExecutions: number): { problem: string | null; reexplored: number } {
  const endingThere: Scenario = {
    ...s,
    instantiate() {
      const w = s.instantiate();
      w.atEnd(() => (endKey(snapshotOf(w)) === target ? { verdict: 'violation', message: 'the end state looked for' } : null));
      return w;
    },
  };
  let reexplored = 0;
  for (const [stateCache, label] of [[1, ''], [true, 'choices-']] as const) {
    const r = explore(endingThere, { stateCache, maxExecutions });
    reexplored += r.stats.reexplored ?? 0;
    const steps = r.counterexample?.steps.length;
    const problem = r.verdict !== 'violation' ? 'missed' : steps! > shortest ? 'longer' : steps! < shortest ? 'shorter' : null;
    if (problem) return { problem: label + problem, reexplored };
  }
  return { problem: null, reexplored };
}

/** cacheReaches on program `s`'s rarest end state (the one fewest of brute force's executions end in); null where brute force finds a failure or cannot finish. */
export function compareRarestEnd(s: Scenario, seed: number, bruteLimit: number): { seed: number; reexplored: number; problem: string | null } | null {
  const ends = endsOf(s, { reduction: 'none', maxExecutions: bruteLimit });
  if (!ends) return null;
  const [target, { shortest }] = [...ends].sort(([ka, a], [kb, b]) => a.count - b.count || (ka < kb ? -1 : 1))[0]!;
  return { seed, ...cacheReaches(s, target, shortest, bruteLimit) };
}
