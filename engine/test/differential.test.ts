import { describe, expect, it } from 'vitest';
import { compareOnProgram, stepBoundFor, type Comparison } from './support/differential.ts';
import { OWN, WIDE } from './support/programs.ts';

/**
 * The reduced explorer (DPOR with sleep sets) against brute-force enumeration of every
 * interleaving, on small random programs, without a step bound and with one that cuts executions
 * short, and on fewer programs of more threads each way (see support/differential.ts for what must
 * agree). `npm run bench:differential` runs thousands more.
 */
const PROGRAMS = 250;

/** Programs of more threads (support/programs.ts, WIDE), fewer of them. */
const WIDE_PROGRAMS = 110;

/** Programs with steps of the threads' own (support/programs.ts, OWN), fewer of them. */
const OWN_PROGRAMS = 120;

/** Each kind of program: how many, and their size. */
const KINDS = { plain: { programs: PROGRAMS, size: undefined }, wide: { programs: WIDE_PROGRAMS, size: WIDE }, own: { programs: OWN_PROGRAMS, size: OWN } };

function suite(name: string, maxStepsOf: (seed: number) => number | undefined, bruteLimit: number, atLeast: number, revisiting: number, choiceRevisiting: number, kind: keyof typeof KINDS = 'plain') {
  describe(name, () => {
    const compared: Comparison[] = [];
    const { programs, size } = KINDS[kind];
    for (let seed = 1; seed <= programs; seed++) {
      it(`program ${seed}`, () => {
        const c = compareOnProgram(seed, maxStepsOf(seed), bruteLimit, size);
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
      // So did the default search, which looks up only the states where it has a choice.
      expect(compared.filter((c) => c.choiceRevisits > 0).length).toBeGreaterThanOrEqual(choiceRevisiting);
    });
  });
}

suite('DPOR agrees with brute force', () => undefined, 1_000, 180, 20, 15);
suite('DPOR agrees with brute force under maxSteps', stepBoundFor, 2_000, 230, 5, 1);
suite('DPOR agrees with brute force, 3-4 threads', () => undefined, 5_000, 35, 15, 8, 'wide');
suite('DPOR agrees with brute force under maxSteps, 3-4 threads', (seed) => stepBoundFor(seed) + 3, 5_000, 40, 8, 4, 'wide');
suite('DPOR agrees with brute force, with steps of the threads\' own', () => undefined, 2_000, 50, 8, 1, 'own');
suite('DPOR agrees with brute force under maxSteps, with steps of the threads\' own', (seed) => stepBoundFor(seed) + 4, 2_000, 65, 2, 0, 'own');

describe('DPOR covers every trace of a program past the brute-force limit above', () => {
  // Program 372 of the 3-4-thread programs ends in 32 Mazurkiewicz traces, which brute force finds
  // in 79,696 executions. With each race reversed only up to its second step, instead of over the
  // whole execution (notdep(e, E) of the paper), the search ran 26 of them.
  it('program 372', () => {
    const c = compareOnProgram(372, undefined, 100_000, WIDE);
    expect(c?.problems).toEqual([]);
  }, 120_000);
});
