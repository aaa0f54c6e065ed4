import { describe, expect, it } from 'vitest';
import { replay } from '../src/index.ts';
import { endStates } from './support/differential.ts';
import { randomSyncProgram, syncProgramScenario } from './support/sync-programs.ts';

/**
 * The reduced explorer against brute force on random programs over completions, semaphores, RCU,
 * spin loops and nested locks (differential.test.ts does the same for the first round's locks). They
 * must agree on the verdict, on the shortest failure's length, and on the sets of end states and traces;
 * with the state cache, on the verdict and the shortest failure's length.
 */
const PROGRAMS = 100;
const BRUTE_LIMIT = 5_000;

describe('DPOR agrees with brute force on the second round\'s primitives', () => {
  const compared: { seed: number; verdict: string; ops: Set<string> }[] = [];
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    const program = randomSyncProgram(seed);
    const s = syncProgramScenario(program, `sync program ${seed}`);
    const brute = endStates(s, 'none', undefined, BRUTE_LIMIT);
    if (!brute.report.complete) continue;
    it(`sync program ${seed}`, () => {
      const dpor = endStates(s, 'dpor', undefined, BRUTE_LIMIT);
      expect(dpor.report.complete).toBe(true);
      expect(dpor.report.verdict).toBe(brute.report.verdict);
      expect(dpor.states).toEqual(brute.states);
      expect(dpor.traces).toEqual(brute.traces);
      const a = dpor.report.counterexample;
      const b = brute.report.counterexample;
      expect(Boolean(a)).toBe(Boolean(b));
      if (a && b) {
        expect(a.steps.length).toBe(b.steps.length);
        expect(replay(s, a.schedule).outcome).toBe(dpor.report.verdict);
      }
      // With the state cache, executions stop at states explored before: the verdict and the
      // shortest failure must not change.
      const cached = endStates(s, 'dpor', undefined, BRUTE_LIMIT, 1).report;
      expect(cached.verdict).toBe(brute.report.verdict);
      expect(cached.counterexample?.steps.length).toBe(b?.steps.length);
      if (cached.counterexample) expect(replay(s, cached.counterexample.schedule).outcome).toBe(cached.verdict);
      compared.push({ seed, verdict: dpor.report.verdict, ops: new Set(program.threads.flat().map((i) => i.op)) });
    });
  }

  it('compares enough programs, with every verdict and every primitive represented', () => {
    expect(compared.length).toBeGreaterThanOrEqual(60);
    const verdicts = new Set(compared.map((c) => c.verdict));
    for (const v of ['ok', 'deadlock', 'violation']) expect(verdicts).toContain(v);
    const ops = new Set(compared.flatMap((c) => [...c.ops]));
    for (const op of ['sem', 'trysem', 'wait', 'complete', 'complete_all', 'reinit', 'read', 'free', 'sync', 'inc', 'spin', 'nested']) expect(ops).toContain(op);
  });
});
