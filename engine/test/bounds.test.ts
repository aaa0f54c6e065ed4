import { describe, expect, it } from 'vitest';
import { lockPair } from './support/drive.ts';
import {
  act, assert, atomic_inc, atomic_read, explore, perform, replay, scenario, wait_event, READ, type ExploreStats,
} from '../src/index.ts';

const abba = scenario('AB-BA', (k) => {
  const a = k.mutex('A');
  const b = k.mutex('B');
  k.thread('T1', lockPair(a, b));
  k.thread('T2', lockPair(b, a));
});

/** A thread that never ends, so every execution runs into maxSteps. */
const looping = (k: Parameters<Parameters<typeof scenario>[1]>[0]) => {
  const c = k.atomic('spun');
  k.thread('looper', function* () {
    for (;;) yield* atomic_inc(c);
  });
};

describe('maxSteps never hides a failure within the bound', () => {
  it('a one-step bug in a thread independent of a never-ending one is found', () => {
    const s = scenario('independent bug', (k) => {
      looping(k);
      k.thread('buggy', function* () {
        assert(false, 'buggy fails at once');
      });
    });
    const r = explore(s, { maxSteps: 10 });
    expect(r).toMatchObject({ verdict: 'violation', message: 'buggy fails at once' });
    expect(r.counterexample!.schedule).toBe('');
  });

  it('a bug two steps into a thread that starts after the looper in the first execution is found', () => {
    const s = scenario('late starter', (k) => {
      looping(k);
      const mine = k.atomic('mine');
      k.thread('late', function* () {
        yield* atomic_inc(mine);
        const v = yield* atomic_read(mine);
        assert(v !== 1, 'late saw 1');
      });
    });
    for (const o of [{}, { reduction: 'none' as const }, { preemptionBound: 1 }]) {
      expect(explore(s, { ...o, maxSteps: 4, maxExecutions: 500 }).counterexample?.schedule).toBe('b2');
    }
  });

  it('every mode obeys maxSteps: AB-BA cut at two steps is incomplete, and no execution is longer', () => {
    for (const o of [{}, { reduction: 'none' as const }, { preemptionBound: 1 }]) {
      const r = explore(abba, { ...o, maxSteps: 2 });
      expect(r).toMatchObject({ verdict: 'incomplete', incomplete: { bound: 'maxSteps' } });
      expect(r.stats.longest).toBe(2);
    }
  });
});

describe('the time budget and progress hold within an execution', () => {
  it('one long execution is stopped by timeBudgetMs, reported as the bound that stopped it, with progress on the way', () => {
    const s = scenario('long', looping);
    const seen: ExploreStats[] = [];
    const r = explore(s, { maxSteps: 1_000_000, timeBudgetMs: 250, onProgress: (p) => void seen.push(p) });
    expect(r).toMatchObject({ verdict: 'incomplete', incomplete: { bound: 'timeBudgetMs' } });
    expect(r.stats.executions).toBe(0);
    expect(r.stats.steps).toBeLessThan(1_000_000);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]!.executions).toBe(0);
  });

  it('the bound that stopped the search is named, not an earlier cut', () => {
    const s = scenario('cut then out of time', (k) => {
      looping(k);
      for (let i = 0; i < 6; i++) {
        const c = k.atomic(`c${i}`);
        k.thread(`T${i}`, function* () {
          for (let j = 0; j < 3; j++) yield* atomic_inc(c);
        });
      }
    });
    const r = explore(s, { maxSteps: 40, reduction: 'none', timeBudgetMs: 100 });
    expect(r.incomplete?.bound).toBe('timeBudgetMs');
  });
});

describe('onExecution', () => {
  it('every execution it reports replays to its verdict, failing ones included', () => {
    const s = scenario('fails midway', (k) => {
      const c = k.atomic('c');
      k.thread('T1', function* () {
        yield* atomic_inc(c);
        const v = yield* atomic_read(c);
        assert(v !== 1, 'T1 alone');
        yield* atomic_inc(c);
      });
      k.thread('T2', function* () {
        yield* atomic_inc(c);
        yield* atomic_inc(c);
      });
    });
    const runs: { verdict: string; schedule: string }[] = [];
    explore(s, { onExecution: (e) => void runs.push(e) });
    expect(runs.some((e) => e.verdict === 'violation')).toBe(true);
    for (const e of runs) if (e.verdict !== 'redundant') expect(replay(s, e.schedule).outcome).toBe(e.verdict);
  });
});

describe('bad input and thrown values are clear', () => {
  it('replay refuses a token that stands for too many steps before expanding it', () => {
    expect(() => replay(abba, 'a999999'.repeat(300))).toThrow(/stands for 299999700 steps, more than the 1000000 a schedule may have/);
  });

  it('an exception in a wait_event condition is a violation naming the thread and the step', () => {
    const s = scenario('bad condition', (k) => {
      const q = k.waitqueue('q');
      k.thread('waiter', function* () {
        yield* wait_event(q, () => {
          throw new RangeError('no such field');
        }, 'field set');
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', message: 'waiter threw RangeError: no such field in wait_event' });
    expect(r.counterexample).toMatchObject({ rule: 'exception', schedule: 'a' });
    expect(r.counterexample!.steps[0]!.op).toBe('wait_event');
  });

  it('an exception in a custom act() is a violation naming the thread and the step', () => {
    const s = scenario('bad act', (k) => {
      const c = k.atomic('c');
      k.thread('T1', function* () {
        yield* atomic_inc(c);
        yield* perform(act('my_op', c, READ, () => {
          throw new Error('model bug');
        }));
      });
    });
    expect(explore(s)).toMatchObject({ verdict: 'violation', message: 'T1 threw Error: model bug in my_op', counterexample: { schedule: 'a2' } });
  });

  it('a thrown value whose toString throws is still reported', () => {
    const s = scenario('unprintable', (k) => {
      const c = k.atomic('c');
      k.thread('T1', function* () {
        yield* atomic_inc(c);
        throw { toString: () => { throw new Error('cannot print'); } };
      });
    });
    expect(explore(s)).toMatchObject({ verdict: 'violation', message: 'T1 threw a value that cannot be printed (object)' });
  });

  it('a JavaScript variable shared by two threads inside build gives a counterexample that replays', () => {
    const s = scenario('shared variable', (k) => {
      let set = false; // invisible to the search
      const c = k.atomic('c');
      k.thread('writer', function* () {
        yield* atomic_inc(c);
        set = true;
        yield* atomic_inc(c);
      });
      k.thread('reader', function* () {
        yield* atomic_inc(c);
        assert(!set, 'reader saw the variable set');
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('violation');
  });
});
