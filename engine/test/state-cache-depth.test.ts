import { describe, expect, it } from 'vitest';
import { atomic_inc, down_read, down_write, explore, scenario, up_read, up_write } from '../src/index.ts';

/**
 * The state cache stops at a known state reached by a path of another length (core/search/state-cache.ts).
 * Here one state comes back at two depths: T2's down_read either takes the rwsem at once or blocks
 * behind T1's writer first, a step more; after both, T3 has the rest of its steps to take. With a
 * maxSteps that the longer path runs into and the shorter does not, stopping at the known state
 * from the longer path would hide the cut: the search must still say it was cut, as enumerating
 * every schedule does.
 */
function twoDepths(tail: number) {
  return scenario(`two depths, tail ${tail}`, (k) => {
    const sem = k.rwsem('sem');
    const c = k.atomic('c');
    k.thread('T1', function* () {
      yield* down_write(sem);
      yield* up_write(sem);
    });
    k.thread('T2', function* () {
      yield* down_read(sem);
      yield* up_read(sem);
    });
    k.thread('T3', function* () {
      for (let i = 0; i < tail; i++) yield* atomic_inc(c);
    });
  });
}

describe('the state cache, where a state comes back at another depth', () => {
  for (const tail of [3, 6]) {
    const s = twoDepths(tail);
    const longest = explore(s, { reduction: 'none' }).stats.longest;
    for (let maxSteps = longest - 3; maxSteps <= longest + 1; maxSteps++) {
      it(`says it was cut exactly where enumeration does (tail ${tail}, maxSteps ${maxSteps})`, () => {
        const all = explore(s, { reduction: 'none', maxSteps });
        const cached = explore(s, { stateCache: 1, maxSteps });
        expect(cached.verdict).toBe(all.verdict);
        expect(cached.complete).toBe(all.complete);
        expect(cached.incomplete?.bound ?? null).toBe(all.incomplete?.bound ?? null);
      });
    }
  }

  it('stops at the state from the longer path when no bound is near', () => {
    const r = explore(twoDepths(6), { stateCache: 1 });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.stats.revisits).toBeGreaterThan(0);
  });
});
