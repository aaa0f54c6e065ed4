import { describe, expect, it } from 'vitest';
import { getCase } from '../src/cases/index.ts';
import { explore } from '../src/index.ts';
import { programScenario, randomProgram } from './support/programs.ts';

/**
 * A broken rule found with the state cache is as short as the stateless search's. On these two
 * rows, stops at known states made after the first violation hid the shortest one (15 steps for
 * 14, 50 for 49, looking every state up), until the search went on without the cache from the
 * first violation on.
 */
const ROWS = [
  { id: 'hmm', params: { variant: 'no-spinlock', ranges: 2 } },
  { id: 'intel-svm', params: { variant: 'no-release-flush', requests: 2 } },
] as const;

describe('a violation found with the state cache', () => {
  for (const { id, params } of ROWS) {
    it(`is as short as the stateless search's on ${id} ${params.variant} (${JSON.stringify(params)})`, () => {
      const run = (stateCache: boolean | number) => explore(getCase(id).build(params), { stateCache, maxExecutions: 100_000 });
      const stateless = run(false);
      expect(stateless.verdict).toBe('violation');
      for (const stateCache of [true, 1]) {
        const cached = run(stateCache);
        expect([cached.verdict, cached.counterexample!.steps.length, cached.counterexample!.switches], `stateCache: ${stateCache}`).toEqual([
          stateless.verdict,
          stateless.counterexample!.steps.length,
          stateless.counterexample!.switches,
        ]);
      }
    });
  }

  // Stops made before the first violation can hide the shortest one too: random program 2170 of the
  // differential test broke its rule in 7 steps looking every state up, where brute force needs 6,
  // until a search that had stopped at a known state started over without the cache at its first
  // violation.
  it('is as short as brute force\'s on random program 2170, whose stops came before the first violation', () => {
    const s = programScenario(randomProgram(2170), 'program 2170');
    const brute = explore(s, { reduction: 'none' });
    const cached = explore(s, { stateCache: 1 });
    expect(cached.stats.startedOver).toBeGreaterThan(0);
    expect([cached.verdict, cached.counterexample!.steps.length]).toEqual([brute.verdict, brute.counterexample!.steps.length]);
  });
});
