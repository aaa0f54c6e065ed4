import { describe, expect, it } from 'vitest';
import { compareOnProgram, stepBoundFor, type Comparison } from './support/differential.ts';

/**
 * The reduced explorer (DPOR with sleep sets) against brute-force enumeration of every
 * interleaving, on small random programs, without a step bound and with one that cuts executions
 * short (see support/differential.ts for what must agree). `npm run bench` runs thousands more.
 */
const PROGRAMS = 250;

function suite(name: string, maxStepsOf: (seed: number) => number | undefined, bruteLimit: number, atLeast: number, revisiting: number) {
  describe(name, () => {
    const compared: Comparison[] = [];
    for (let seed = 1; seed <= PROGRAMS; seed++) {
      it(`program ${seed}`, () => {
        const c = compareOnProgram(seed, maxStepsOf(seed), bruteLimit);
        if (!c) return; // too many interleavings to enumerate: not compared
        expect(c.problems).toEqual([]);
        compared.push(c);
      });
    }
    it('compares enough programs, with every verdict represented, and saves executions', () => {
      expect(compared.length).toBeGreaterThanOrEqual(atLeast);
      const verdicts = new Set(compared.map((c) => c.verdict));
      for (const v of ['ok', 'deadlock', 'violation']) expect(verdicts).toContain(v);
      expect(compared.reduce((n, c) => n + c.brute - c.dpor, 0)).toBeGreaterThan(0);
      // The state cache's search stopped executions at known states, so its agreement means something.
      // (Under a bound, fewer: a state below which an execution was cut is not remembered.)
      expect(compared.filter((c) => c.revisits > 0).length).toBeGreaterThanOrEqual(revisiting);
    });
  });
}

suite('DPOR agrees with brute force', () => undefined, 1_000, 180, 20);
suite('DPOR agrees with brute force under maxSteps', stepBoundFor, 2_000, 230, 5);
