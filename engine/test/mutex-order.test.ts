import { describe, expect, it } from 'vitest';
import { compareMutexModels, type MutexComparison } from './support/mutex-order.ts';

/**
 * A contended `mutex_lock` as the explorer takes it (one step, once the mutex is free) against the
 * mutex as the kernel queues its waiters, by brute force on random programs (see
 * support/mutex-order.ts). `npm run bench:differential` runs more.
 */
const PROGRAMS = 120;

describe('a contended mutex_lock as one step agrees with the queued mutex', () => {
  const compared: MutexComparison[] = [];
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    it(`program ${seed}`, () => {
      const c = compareMutexModels(seed, 1_000);
      if (!c) return; // no mutex, or too many interleavings to enumerate
      expect(c.problems).toEqual([]);
      compared.push(c);
    });
  }
  it('compares enough programs, with every verdict, where waiters queued', () => {
    expect(compared.length).toBeGreaterThanOrEqual(50);
    for (const v of ['ok', 'deadlock', 'violation']) expect(compared.map((c) => c.verdict)).toContain(v);
    expect(compared.filter((c) => c.contended).length).toBeGreaterThanOrEqual(20);
  });
});
