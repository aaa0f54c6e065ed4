import { now } from '../clock.ts';
import type { Instantiable } from '../execution.ts';
import { count } from '../plural.ts';
import { countSwitches, encodeSchedule } from '../schedule.ts';
import { Budget } from '../search/budget.ts';
import type { ExploreStats, ResolvedOptions } from '../search/options.ts';
import type { Failure } from '../search/shortest.ts';
import type { WorldObserver } from '../world.ts';
import { findStarvation } from './cycles.ts';
import { buildGraph, pathTo, type StateGraph } from './graph.ts';
import { encodeLasso } from './lasso.ts';

/**
 * `explore(s, { liveness: true })`: a stateful, exhaustive search of the scenario's state graph
 * (graph.ts), breadth first, without reduction. It reports the shortest deadlock, violation or leak
 * as the ordinary search would (fewest steps; the switches are not minimised), and otherwise the
 * shortest starvation lasso (cycles.ts), which replays (lasso.ts).
 */
export interface LivenessResult {
  failure: Failure | null;
  incomplete: { bound: 'maxStates' | 'timeBudgetMs'; message: string } | null;
  stats: ExploreStats;
}

export function exploreLiveness(scenario: Instantiable, o: ResolvedOptions, observers: () => readonly WorldObserver[], onProgress?: (s: ExploreStats) => void): LivenessResult {
  const stats: ExploreStats = { executions: 0, steps: 0, redundant: 0, pruned: 0, failing: 0, longest: 0, ms: 0, states: 0 };
  const budget = new Budget(o, onProgress, stats);
  const g = buildGraph(scenario, observers, { maxStates: o.maxStates, stopAtFailure: true, step: () => budget.step() });
  stats.executions = g.replays;
  stats.states = g.states.length;
  stats.longest = Math.max(0, ...g.states.map((s) => s.depth));
  const failure = safetyFailure(g) ?? starvation(g);
  if (failure) stats.failing = 1;
  let incomplete: LivenessResult['incomplete'] = null;
  if (!g.complete) {
    incomplete = budget.outOfTime
      ? { bound: 'timeBudgetMs', message: `the search stopped after ${Math.round(now() - budget.started)} ms (timeBudgetMs)` }
      : { bound: 'maxStates', message: `the search stopped after ${count(o.maxStates, 'state')} (maxStates)` };
  }
  stats.ms = Math.round(now() - budget.started);
  return { failure, incomplete, stats };
}

/** The first failing state breadth first: a shortest deadlock, violation or failed end check. */
function safetyFailure(g: StateGraph): Failure | null {
  const s = g.states.find((x) => x.end !== null && x.end.kind !== 'ok');
  if (!s || !s.end) return null;
  const tids = pathTo(g, s.id);
  const schedule = encodeSchedule(tids);
  const base = { tids, schedule, switches: countSwitches(tids), fewestSwitches: false, execution: schedule };
  switch (s.end.kind) {
    case 'violation':
      return { ...base, kind: 'violation', message: s.end.message, rule: s.end.rule };
    case 'deadlock':
      return { ...base, kind: 'deadlock', message: s.end.message, rule: null };
    case 'end':
      return { ...base, kind: s.end.failure.verdict, message: s.end.failure.message, rule: s.end.failure.verdict === 'leak' ? 'leak' : 'end' };
    default:
      return null;
  }
}

function starvation(g: StateGraph): Failure | null {
  const lasso = findStarvation(g);
  if (!lasso) return null;
  const schedule = encodeLasso(lasso.prefix, lasso.loop);
  const tids = [...lasso.prefix, ...lasso.loop];
  return { kind: 'starvation', message: '', rule: null, tids, schedule, switches: countSwitches(tids), fewestSwitches: false, execution: schedule };
}
