import { describe, expect, it } from 'vitest';
import {
  assert, atomic_add_return, atomic_cmpxchg, atomic_dec_and_test, atomic_inc, atomic_inc_not_zero, atomic_read, explore, kfree,
  kref_get, kref_get_unless_zero, kref_put, refcount_dec, refcount_dec_and_test, refcount_inc, refcount_inc_not_zero, refcount_read,
  scenario, type Op,
} from '../src/index.ts';

function only(body: (k: Parameters<Parameters<typeof scenario>[1]>[0]) => () => Op<void>) {
  return explore(scenario('one thread', (k) => k.thread('T1', body(k))));
}

describe('atomics', () => {
  it('return what the kernel returns', () => {
    const r = only((k) => {
      const a = k.atomic('a', 1);
      return function* () {
        assert((yield* atomic_dec_and_test(a)) === true, 'dec_and_test to 0');
        assert((yield* atomic_inc_not_zero(a)) === false, 'inc_not_zero at 0');
        assert((yield* atomic_read(a)) === 0, 'still 0');
        assert((yield* atomic_add_return(a, 5)) === 5, 'add_return');
        assert((yield* atomic_cmpxchg(a, 5, 7)) === 5, 'cmpxchg returns the old value');
        assert((yield* atomic_cmpxchg(a, 5, 9)) === 7, 'cmpxchg fails on a mismatch');
        yield* atomic_inc(a);
        assert((yield* atomic_read(a)) === 8, 'inc');
      };
    });
    expect(r.verdict).toBe('ok');
  });

  it('plain increments commute: two threads incrementing explore as one execution', () => {
    const r = explore(scenario('incs', (k) => {
      const a = k.atomic('a');
      k.thread('T1', function* () {
        yield* atomic_inc(a);
      });
      k.thread('T2', function* () {
        yield* atomic_inc(a);
      });
    }));
    expect(r.stats.executions).toBe(1);
  });
});

describe('refcount_t and kref', () => {
  it('a decrement below zero is an underflow', () => {
    const r = only((k) => {
      const r = k.refcount('ref', 0);
      return function* () {
        yield* refcount_dec_and_test(r);
      };
    });
    expect(r).toMatchObject({ verdict: 'violation', message: 'refcount_t: underflow; use-after-free: T1 called refcount_dec_and_test on ref at 0' });
  });

  it('an increment from zero is a use after free; inc_not_zero refuses it', () => {
    const r = only((k) => {
      const r = k.refcount('ref', 0);
      return function* () {
        assert(!(yield* refcount_inc_not_zero(r)), 'inc_not_zero at 0 fails');
        yield* refcount_inc(r);
      };
    });
    expect(r).toMatchObject({ verdict: 'violation', message: 'refcount_t: addition on 0; use-after-free: T1 called refcount_inc on ref' });
  });

  it('refcount_dec to zero warns that the object leaks', () => {
    const r = only((k) => {
      const r = k.refcount('ref', 1);
      return function* () {
        yield* refcount_dec(r);
      };
    });
    expect(r.message).toBe('refcount_t: decrement hit 0; leaking memory: T1 called refcount_dec on ref');
  });

  it('kref_put runs release exactly once, in whichever thread drops the last reference', () => {
    const s = scenario('two puts', (k) => {
      const kref = k.kref('obj.kref'); // the owner's reference
      const released = k.atomic('released');
      const release = function* (): Op<void> {
        yield* atomic_inc(released);
      };
      k.thread('owner', function* () {
        yield* kref_put(kref, release);
      });
      k.thread('user', function* () {
        if (yield* kref_get_unless_zero(kref)) yield* kref_put(kref, release);
      });
      k.atEnd(() => (released.value === 1 ? null : { verdict: 'violation', message: `release ran ${released.value} times` }));
    });
    const r = explore(s);
    expect(r.verdict).toBe('ok');
    // The user's get comes after the owner's put, or before it with either put last.
    expect(r.stats.executions).toBe(3);
  });

  it('taking a reference with kref_get after the last put is a use after free', () => {
    const s = scenario('late get', (k) => {
      const kref = k.kref('obj.kref');
      k.thread('owner', function* () {
        yield* kref_put(kref);
      });
      k.thread('user', function* () {
        yield* kref_get(kref);
        yield* kref_put(kref);
      });
    });
    expect(explore(s)).toMatchObject({ verdict: 'violation', message: 'refcount_t: addition on 0; use-after-free: user called kref_get on obj.kref' });
  });

  it('the same two puts without the owner\'s reference underflow in some interleaving', () => {
    const s = scenario('one put too many', (k) => {
      const kref = k.kref('obj.kref');
      k.thread('T1', function* () {
        yield* kref_put(kref);
      });
      k.thread('T2', function* () {
        const v = yield* refcount_read(kref);
        if (v > 0) yield* kref_put(kref);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.schedule).toBe('b2a'); // T2 reads 1 and drops it; T1 drops again
  });
});

describe('kfree', () => {
  it('a use after kfree is a violation naming the step that freed it', () => {
    const s = scenario('uaf', (k) => {
      const obj = k.refcount('obj', 1);
      k.thread('T1', function* () {
        yield* kfree(obj);
      });
      k.thread('T2', function* () {
        yield* refcount_inc(obj);
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', message: 'T2 used obj in refcount_inc after T1 freed it at step 1' });
    expect(r.counterexample!.rule).toBe('use-after-free');
  });

  it('freeing twice is a violation', () => {
    const r = only((k) => {
      const obj = k.atomic('obj');
      return function* () {
        yield* kfree(obj);
        yield* kfree(obj);
      };
    });
    expect(r).toMatchObject({ verdict: 'violation', message: 'T1 freed obj twice (first at step 1 by T1)' });
  });
});
