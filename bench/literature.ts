import {
  READ, WRITE, access, atomic_read, atomic_set, dynamicAct, mutex_lock, mutex_unlock, perform, scenario,
  type Atomic, type Op, type Scenario,
} from '@interleave/engine';

/**
 * The standard benchmarks of the DPOR literature, written with the engine's public API, and the
 * number of executions an optimal DPOR explores for each (one per Mazurkiewicz trace):
 * Flanagan and Godefroid, "Dynamic partial-order reduction for model checking software", POPL 2005
 * (indexer, filesystem); Abdulla, Aronis, Jonsson and Sagonas, "Optimal dynamic partial order
 * reduction", POPL 2014 (lastzero), whose tables give the optimal counts.
 */
export interface LiteratureCase {
  scenario: Scenario;
  /** Executions of an optimal DPOR (the number of Mazurkiewicz traces). */
  optimal: number;
}

/** A compare-and-swap that fails changes nothing: a read; one that succeeds is a write. */
function* cas(a: Atomic, expected: number, next: number): Op<boolean> {
  return yield* perform(dynamicAct('cmpxchg', a, false, () => [access(a, a.value === expected ? WRITE : READ)], (t) => {
    if (a.value !== expected) return false;
    a.set(t, 'cmpxchg', next);
    return true;
  }));
}

/**
 * lastzero(N): a reader scans array[N..0] for the last zero while writer j sets array[j] to
 * array[j-1] + 1. Optimal: (N + 3) * 2^(N - 2) traces (64 at N = 5, 704 at 8, 3,328 at 10, 15,360 at 12).
 */
export function lastzero(n: number): LiteratureCase {
  const s = scenario(`lastzero(${n})`, (k) => {
    const array = Array.from({ length: n + 1 }, (_, i) => k.atomic(`array[${i}]`));
    k.thread('reader', function* () {
      for (let i = n; i >= 0 && (yield* atomic_read(array[i]!)) !== 0; i--) {
        // scanning down
      }
    });
    for (let j = 1; j <= n; j++) {
      k.thread(`writer${j}`, function* () {
        const v = yield* atomic_read(array[j - 1]!);
        yield* atomic_set(array[j]!, v + 1);
      });
    }
  });
  return { scenario: s, optimal: (n + 3) * 2 ** (n - 2) };
}

const SIZE = 128;
const MAX = 4;

/**
 * indexer(N): N threads each insert MAX = 4 keys into a hash table of 128 slots with linear
 * probing, by compare-and-swap (or, `locked`, a CAS done under a mutex per slot, as in the original).
 * Keys first collide at N = 12. Optimal: 8^(N - 11) traces from N = 12 (8, 64, 512, 4,096).
 */
export function indexer(n: number, locked: boolean): LiteratureCase {
  const s = scenario(`indexer(${n})${locked ? ', mutex CAS' : ''}`, (k) => {
    const table = Array.from({ length: SIZE }, (_, i) => k.atomic(`table[${i}]`));
    const locks = locked ? Array.from({ length: SIZE }, (_, i) => k.mutex(`cas_mutex[${i}]`)) : [];
    function* lockedCas(h: number, next: number): Op<boolean> {
      yield* mutex_lock(locks[h]!);
      const ok = (yield* atomic_read(table[h]!)) === 0;
      if (ok) yield* atomic_set(table[h]!, next);
      yield* mutex_unlock(locks[h]!);
      return ok;
    }
    for (let tid = 0; tid < n; tid++) {
      k.thread(`T${tid}`, function* () {
        for (let m = 0; m < MAX; m++) {
          const w = m * 11 + tid;
          let h = (w * 7) % SIZE;
          while (!(locked ? yield* lockedCas(h, w) : yield* cas(table[h]!, 0, w))) h = (h + 1) % SIZE;
        }
      });
    }
  });
  return { scenario: s, optimal: n <= 11 ? 1 : 8 ** (n - 11) };
}

const NUMBLOCKS = 26;
const NUMINODE = 32;

/**
 * filesystem(N): N threads each lock an inode and, if it has no block yet, search for a free block
 * from (2i mod 26), each block under its own mutex. Threads i and i + 13 first meet at N = 14.
 * Optimal: 2^(N - 13) traces from N = 14 (2, 8 at N = 16, 64 at N = 19).
 */
export function filesystem(n: number): LiteratureCase {
  const s = scenario(`filesystem(${n})`, (k) => {
    const locki = Array.from({ length: NUMINODE }, (_, i) => k.mutex(`locki[${i}]`));
    const inode = Array.from({ length: NUMINODE }, (_, i) => k.atomic(`inode[${i}]`));
    const lockb = Array.from({ length: NUMBLOCKS }, (_, i) => k.mutex(`lockb[${i}]`));
    const busy = Array.from({ length: NUMBLOCKS }, (_, i) => k.atomic(`busy[${i}]`));
    for (let tid = 0; tid < n; tid++) {
      k.thread(`T${tid}`, function* () {
        const i = tid % NUMINODE;
        yield* mutex_lock(locki[i]!);
        if ((yield* atomic_read(inode[i]!)) === 0) {
          for (let b = (i * 2) % NUMBLOCKS; ; b = (b + 1) % NUMBLOCKS) {
            yield* mutex_lock(lockb[b]!);
            if ((yield* atomic_read(busy[b]!)) === 0) {
              yield* atomic_set(busy[b]!, 1);
              yield* atomic_set(inode[i]!, b + 1);
              yield* mutex_unlock(lockb[b]!);
              break;
            }
            yield* mutex_unlock(lockb[b]!);
          }
        }
        yield* mutex_unlock(locki[i]!);
      });
    }
  });
  return { scenario: s, optimal: n <= 13 ? 1 : 2 ** (n - 13) };
}
