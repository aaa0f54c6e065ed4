import { describe, expect, it } from 'vitest';
import { compareLiveness } from './support/liveness.ts';

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
