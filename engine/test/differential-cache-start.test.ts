import { describe, expect, it, vi } from 'vitest';
import { compareOnProgram, type Comparison } from './support/differential.ts';

/**
 * The state cache as it runs by default: off for the first executions, then on from the middle of
 * a search, with states on the path that were never written down (differential.test.ts runs it
 * from the first execution). The start is moved from the 500th execution to the 3rd, so that the
 * small random programs reach it; the search must still agree with brute force.
 */
vi.mock('../src/core/search/state-cache.ts', async (original) => ({ ...(await original<object>()), START_AFTER: 3 }));

describe('DPOR with the state cache started mid-search agrees with brute force', () => {
  const compared: Comparison[] = [];
  for (let seed = 1; seed <= 250; seed++) {
    it(`program ${seed}`, () => {
      const c = compareOnProgram(seed, undefined, 1_000, true);
      if (!c) return;
      expect(c.problems).toEqual([]);
      compared.push(c);
    });
  }
  it('compares enough programs, some of them stopped at known states', () => {
    expect(compared.length).toBeGreaterThanOrEqual(180);
    expect(compared.filter((c) => c.revisits > 0).length).toBeGreaterThanOrEqual(10);
  });
});
