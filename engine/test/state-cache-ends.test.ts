import { describe, expect, it } from 'vitest';
import { caseIds, getCase } from '../src/cases/index.ts';
import { cacheReaches, compareRarestEnd, endsOf } from './support/differential.ts';
import { programScenario, randomProgram } from './support/programs.ts';

/**
 * The state cache reaches every end state: for each end state that the stateless search (on the
 * cases) or brute force (on random programs of three threads) finds, an end check that fails
 * exactly there is found by the cached search, as short as the shortest execution that ends there.
 * The cases visit many states again with threads awake that slept the first time
 * (`stats.reexplored`), which small random programs seldom do.
 */
const ENDS_PER_CASE = 12;

describe('the state cache reaches every end state', () => {
  let reexplored = 0;
  for (const id of caseIds) {
    for (const v of getCase(id).variants) {
      it(`of ${id} ${v.id}, where nothing fails`, () => {
        const s = getCase(id).build({ variant: v.id });
        const ends = endsOf(s, { stateCache: false });
        if (!ends) return; // a failure: its shortest is compared in fingerprint.test.ts
        for (const [i, [target, { shortest }]] of [...ends].slice(0, ENDS_PER_CASE).entries()) {
          const r = cacheReaches(s, target, shortest, 200_000);
          expect(r.problem, `end state ${i + 1} of ${ends.size}`).toBeNull();
          reexplored += r.reexplored;
        }
      });
    }
  }
  it('with states explored again for threads that slept', () => expect(reexplored).toBeGreaterThan(100));

  let compared = 0;
  for (let seed = 1; seed <= 100; seed++) {
    it(`of random program ${seed} of three threads (its rarest end state)`, () => {
      const c = compareRarestEnd(programScenario(randomProgram(seed, { threads: [3, 3], instrs: 4 }), `program ${seed}`), seed, 5_000);
      if (!c) return; // a failure, or too many interleavings to enumerate
      compared++;
      expect(c.problem).toBeNull();
    });
  }
  it('compares enough random programs', () => expect(compared).toBeGreaterThan(10));
});
