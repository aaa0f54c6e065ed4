import { expect } from 'vitest';
import { explore, simulate, type ExploreOptions, type Report, type Scenario, type WorldSnapshot } from '../../src/index.ts';

/** A final state without step numbers, which differ between equivalent orders of the same steps. */
function normal(verdict: string, snap: WorldSnapshot): string {
  return `${verdict} ${JSON.stringify(snap).replace(/step \d+/g, 'step #')}`;
}

function run(s: Scenario, options: ExploreOptions, reduction: 'dpor' | 'none'): { report: Report; ends: Set<string> } {
  const ends = new Set<string>();
  const report = explore(s, {
    ...options,
    reduction,
    stateCache: false, // every execution to its end
    onExecution: (e) => {
      // An execution stops at its first violation: its last state depends on which independent steps ran first.
      if (e.verdict !== 'redundant' && e.verdict !== 'violation') ends.add(normal(e.verdict, e.snapshot()));
    },
  });
  return { report, ends };
}

/**
 * Explores `s` with the reduction and by brute force. Both must be complete and agree on the verdict,
 * the length of the shortest failure and the set of final states (of executions that end without a
 * violation): a model step that under-declared
 * its footprint would make the reduction miss some of them.
 */
export function check(s: Scenario, options: ExploreOptions = {}): Report {
  const dpor = run(s, options, 'dpor');
  const brute = run(s, options, 'none');
  expect(brute.report.complete, brute.report.message).toBe(true);
  expect(dpor.report.complete, dpor.report.message).toBe(true);
  expect(dpor.report.verdict).toBe(brute.report.verdict);
  expect(dpor.report.counterexample?.steps.length).toBe(brute.report.counterexample?.steps.length);
  expect([...dpor.ends].sort()).toEqual([...brute.ends].sort());
  return dpor.report;
}

/**
 * For scenarios too large to enumerate: the reduced search must be complete, and with brute force
 * both limited to schedules with at most `preemptionBound` preemptions it must agree on the verdict.
 * Returns the complete search's report.
 */
export function checkBounded(s: Scenario, preemptionBound: number): Report {
  const full = explore(s);
  expect(full.complete, full.message).toBe(true);
  const dpor = explore(s, { preemptionBound });
  const brute = explore(s, { preemptionBound, reduction: 'none' });
  expect(brute.stats.executions).toBeLessThan(100_000);
  expect(dpor.verdict).toBe(brute.verdict);
  if (full.verdict !== 'ok') expect(brute.verdict).toBe(full.verdict);
  return full;
}

export type Sim = ReturnType<typeof simulate>;

/** Steps `thread` until it cannot run (it finished, or it waits). */
export function runOut(sim: Sim, thread: string): void {
  while (sim.runnable().includes(thread)) sim.step(thread);
}

/** Steps `thread` until it has taken a step of `op` (the n-th one, counting from now). */
export function runThrough(sim: Sim, thread: string, op: string, n = 1): void {
  for (let seen = 0; seen < n; ) {
    if (!sim.runnable().includes(thread)) throw new Error(`${thread} cannot run before it reaches ${op}`);
    if (sim.step(thread).op === op) seen++;
  }
}

/** The state of object `name` now. */
export function objectState(sim: Sim, name: string): Record<string, unknown> {
  const o = sim.snapshot().objects.find((x) => x.name === name);
  if (!o) throw new Error(`no object ${name}`);
  return o;
}
