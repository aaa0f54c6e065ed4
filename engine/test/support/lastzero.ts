import { assert, atomic_read, atomic_set, scenario, type Scenario } from '../../src/index.ts';

/**
 * lastzero(n) of Abdulla et al. ("Optimal dynamic partial order reduction", POPL 2014) with
 * assertions, for the differential test of the wakeup trees: a reader scans array[n..0] for the
 * last zero while writer j sets array[j] to array[j-1] + 1. The reader asserts that the last zero
 * is not at `not`, and writer n that it did not read `writerNot` (-1: never fails). The reader is
 * independent of most writers, so the search covers most reversals with weak initials.
 */
export function lastzeroScenario(n: number, not: number, writerNot = -1): Scenario {
  return scenario(`lastzero(${n}), last zero not at ${not}, writer ${n} not reading ${writerNot}`, (k) => {
    const array = Array.from({ length: n + 1 }, (_, i) => k.atomic(`array[${i}]`));
    k.thread('reader', function* () {
      let i = n;
      while (i >= 0 && (yield* atomic_read(array[i]!)) !== 0) i--;
      assert(i !== not, `the last zero is at ${not}`);
    });
    for (let j = 1; j <= n; j++) {
      k.thread(`writer${j}`, function* () {
        const v = yield* atomic_read(array[j - 1]!);
        assert(j !== n || v !== writerNot, `writer${j} read ${v}`);
        yield* atomic_set(array[j]!, v + 1);
      });
    }
  });
}
