import { describe, expect, it } from 'vitest';
import { explore, replay } from '../src/index.ts';
import { bruteLiveness, loopScenario, randomLoopProgram } from './support/liveness.ts';

/**
 * The liveness search against brute force (support/liveness.ts) on random lock programs whose
 * threads may loop forever: they must agree on the verdict, on which thread can starve, and on the
 * shortest safety failure's length; the engine's lasso must replay, and must be a loop in the brute
 * force's own state graph too. bench/liveness.bench.ts runs more programs.
 */
export const PROGRAMS = 300;
/** Programs whose state graph is larger are left to the benchmark. */
export const BRUTE_LIMIT = 150;

export function compare(seed: number) {
  const s = loopScenario(randomLoopProgram(seed), `loop program ${seed}`);
  const brute = bruteLiveness(s, BRUTE_LIMIT);
  if (!brute.complete) return null;
  const report = explore(s, { liveness: true });
  expect(report.complete).toBe(true);
  expect(report.verdict).toBe(brute.verdict);
  const ce = report.counterexample;
  if (brute.length !== undefined) expect(ce!.steps.length).toBe(brute.length);
  if (report.verdict === 'starvation') {
    const loop = ce!.loop!;
    expect(brute.starving).toContain(loop.thread);
    const trace = replay(s, ce!.schedule);
    expect(trace.outcome).toBe('starvation');
    const threads = trace.steps.map((x) => x.thread);
    const start = brute.stateAfter(threads.slice(0, loop.start));
    expect(brute.stateAfter(threads)).toBe(start);
    for (let i = loop.start; i < threads.length; i++) expect(brute.states[brute.stateAfter(threads.slice(0, i))]!.waiting).toContain(loop.thread);
  }
  // Both tell states apart soundly; the engine's identity is at least as fine as the brute force's.
  // (A search that found a safety failure stops there; brute force goes on.)
  if (brute.length === undefined) expect(report.stats.states).toBeGreaterThanOrEqual(brute.states.length);
  return { verdict: report.verdict, engine: report.stats.states!, brute: brute.states.length };
}

describe('the liveness search agrees with a brute-force cycle search', () => {
  const seen: string[] = [];
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    it(`loop program ${seed}`, () => {
      const r = compare(seed);
      if (r) seen.push(r.verdict);
    });
  }
  it('compares enough programs, with starvation, deadlock and ok among them', () => {
    expect(seen.length).toBeGreaterThanOrEqual(PROGRAMS * 0.8);
    for (const v of ['ok', 'deadlock', 'starvation']) expect(seen).toContain(v);
  });
});
