import { describe, expect, it } from 'vitest';
import { explore, replay, type Report } from '../src/index.ts';
import { programScenario, randomProgram } from './support/programs.ts';

/**
 * The reduced explorer (DPOR with sleep sets) against brute-force enumeration of every
 * interleaving, on many small random programs. They must agree on the verdict, on the length and
 * switches of the shortest failure, and on the set of states executions end in; every failure the
 * explorer reports must replay to itself.
 */
const PROGRAMS = 400;
const BRUTE_LIMIT = 30_000;

function terminalStates(s: ReturnType<typeof programScenario>, reduction: 'dpor' | 'none'): { report: Report; states: Set<string> } {
  const states = new Set<string>();
  const report = explore(s, {
    reduction,
    maxExecutions: BRUTE_LIMIT,
    onExecution: (e) => {
      if (e.verdict !== 'redundant') states.add(`${e.verdict} ${JSON.stringify(e.snapshot())}`);
    },
  });
  return { report, states };
}

describe('DPOR agrees with brute force', () => {
  const compared: { seed: number; dpor: number; brute: number; verdict: string }[] = [];

  for (let seed = 1; seed <= PROGRAMS; seed++) {
    const program = randomProgram(seed);
    const s = programScenario(program, `program ${seed}`);
    const brute = terminalStates(s, 'none');
    if (!brute.report.complete) continue; // too many interleavings to enumerate: not compared
    it(`program ${seed}`, () => {
      const dpor = terminalStates(s, 'dpor');
      expect(dpor.report.complete).toBe(true);
      expect(dpor.report.verdict).toBe(brute.report.verdict);
      expect(dpor.states).toEqual(brute.states);
      expect(dpor.report.stats.executions).toBeLessThanOrEqual(brute.report.stats.executions);
      const a = dpor.report.counterexample;
      const b = brute.report.counterexample;
      expect(Boolean(a)).toBe(Boolean(b));
      if (a && b) {
        expect(a.steps.length).toBe(b.steps.length);
        if (a.fewestSwitches && b.fewestSwitches) expect(a.switches).toBe(b.switches);
        expect(replay(s, a.schedule).outcome).toBe(dpor.report.verdict);
        expect(replay(s, b.schedule).outcome).toBe(brute.report.verdict);
      }
      compared.push({ seed, dpor: dpor.report.stats.executions, brute: brute.report.stats.executions, verdict: dpor.report.verdict });
    });
  }

  it('compares enough programs, with every verdict represented', () => {
    expect(compared.length).toBeGreaterThanOrEqual(300);
    const verdicts = new Set(compared.map((c) => c.verdict));
    for (const v of ['ok', 'deadlock', 'violation']) expect(verdicts).toContain(v);
    const saved = compared.reduce((n, c) => n + c.brute - c.dpor, 0);
    expect(saved).toBeGreaterThan(0);
  });
});
