import { describe, expect, it } from 'vitest';
import { Execution } from '../src/core/execution.ts';
import { fingerprint } from '../src/core/fingerprint.ts';
import { buildGraph, pathTo } from '../src/core/liveness/graph.ts';
import { compareLiveness, loopScenario, randomLoopProgram } from './support/liveness.ts';

/**
 * The liveness search against brute force (support/liveness.ts) on random lock programs whose
 * threads may loop forever: verdict, starving thread, shortest safety failure, and the lasso as a
 * loop in the brute force's own state graph. bench/liveness.bench.ts runs more, and larger, programs.
 */
const PROGRAMS = 200;
/** Programs whose state graph is larger are left to the benchmark. */
const BRUTE_LIMIT = 120;

describe('the liveness search agrees with a brute-force cycle search', () => {
  const seen: string[] = [];
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    it(`loop program ${seed}`, () => {
      const c = compareLiveness(seed, BRUTE_LIMIT);
      if (!c) return;
      expect(c.problems).toEqual([]);
      seen.push(c.verdict);
    });
  }
  it('compares enough programs, with starvation, deadlock and ok among them', () => {
    expect(seen.length).toBeGreaterThanOrEqual(PROGRAMS * 0.8);
    for (const v of ['ok', 'deadlock', 'starvation']) expect(seen).toContain(v);
  });
});

/**
 * The state graph tells states apart by incremental keys, across worlds that each replay a path or
 * go on from the state they found: every state's own path must lead to a fingerprint of its own, and
 * every edge to the fingerprint of the state it names.
 */
describe('the state graph has one state per fingerprint', () => {
  const fingerprintAfter = (s: ReturnType<typeof loopScenario>, tids: number[]) => {
    const exec = new Execution(s);
    for (const t of tids) exec.step(t);
    return fingerprint(exec);
  };
  for (let seed = 1; seed <= 60; seed++) {
    it(`loop program ${seed}`, () => {
      const s = loopScenario(randomLoopProgram(seed), `loop program ${seed}`);
      const g = buildGraph(s, () => [], { maxStates: 400, stopAtFailure: false, step: () => true });
      const prints = g.states.map((x) => fingerprintAfter(s, pathTo(g, x.id)));
      expect(new Set(prints).size).toBe(prints.length);
      for (const x of g.states) {
        for (const e of x.edges) expect(fingerprintAfter(s, [...pathTo(g, x.id), e.tid])).toBe(prints[e.to]);
      }
    });
  }
});
