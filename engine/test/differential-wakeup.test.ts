import { describe, expect, it } from 'vitest';
import { compareOnScenario, type Comparison } from './support/differential.ts';
import { lastzeroScenario } from './support/lastzero.ts';

/**
 * The wakeup trees' weak initials against brute force, under every step bound. A weak initial (a
 * thread independent of a reversed race) covers the reversal by running a step more before it,
 * which a step bound or a violation may cut short (search/wakeup-tree.ts). lastzero is made of such
 * covers; with assertions, a reversal missed is a violation or an end state missed.
 * `npm run bench:differential` runs more.
 */
describe('DPOR agrees with brute force on lastzero under every step bound', () => {
  const compared: Comparison[] = [];
  for (const n of [2, 3]) {
    for (let not = -1; not <= n; not++) {
      for (const maxSteps of [undefined, ...Array.from({ length: 3 * n + 1 }, (_, i) => i + 2)]) {
        it(`lastzero(${n}), last zero not at ${not}, maxSteps ${maxSteps ?? 'none'}`, () => {
          const c = compareOnScenario(lastzeroScenario(n, not), n, maxSteps, 3_000);
          if (!c) return; // too many interleavings to enumerate: not compared
          expect(c.problems).toEqual([]);
          compared.push(c);
        });
      }
    }
  }
  it('compares most of them, with violations found and missed by a bound', () => {
    expect(compared.length).toBeGreaterThanOrEqual(60);
    const verdicts = new Set(compared.map((c) => c.verdict));
    for (const v of ['ok', 'violation', 'incomplete']) expect(verdicts).toContain(v);
  });
});
