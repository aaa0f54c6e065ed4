import { describe, expect, it } from 'vitest';
import { down, down_trylock, explore, scenario, up, type Op, type Semaphore } from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

const user = (s: Semaphore) => function* (): Op<void> {
  yield* down(s);
  yield* up(s);
};

const three = (count: number) =>
  scenario(`count ${count}`, (k) => {
    const s = k.semaphore('sem', count);
    for (const name of ['T1', 'T2', 'T3']) k.thread(name, user(s));
  });

describe('semaphore', () => {
  it('down takes a unit while count > 0 and sleeps at 0; up hands the unit to the first waiter', () => {
    const sim = drive(three(2), 'T1', 'T2', 'T3');
    expect(sim.steps.map((s) => s.blocked)).toEqual([false, false, true]);
    expect(objectState(sim, 'sem')).toMatchObject({ count: 0, waiters: ['T3'] });
    expect(sim.step('T1').note).toBe('gave the unit to T3');
    expect(objectState(sim, 'sem')).toMatchObject({ count: 0, waiters: [] });
    expect(sim.step('T2').note).toBe('count 0 → 1');
  });

  it('a handed-over unit cannot be taken by a newcomer first', () => {
    const s = scenario('handoff', (k) => {
      const sem = k.semaphore('sem', 1);
      k.thread('T1', user(sem));
      k.thread('T2', user(sem));
      k.thread('T3', function* () {
        const busy = yield* down_trylock(sem);
        if (busy === 0) yield* up(sem);
      });
    });
    const sim = drive(s, 'T1', 'T2', 'T1');
    expect(sim.step('T3').note).toBe('count 0: fails');
  });

  it('down_trylock returns 0 on success and 1 on failure, as the kernel does', () => {
    const s = scenario('trylock', (k) => {
      const sem = k.semaphore('sem', 1);
      k.thread('T', function* () {
        const first = yield* down_trylock(sem);
        const second = yield* down_trylock(sem);
        if (first !== 0 || second !== 1) throw new Error(`got ${first}, ${second}`);
        yield* up(sem);
      });
    });
    expect(explore(s).verdict).toBe('ok');
  });

  it('any thread may up (no owner); a count of 0 with no up is a deadlock', () => {
    const signal = scenario('signal', (k) => {
      const sem = k.semaphore('sem', 0);
      k.thread('W', function* () {
        yield* down(sem);
      });
      k.thread('S', function* () {
        yield* up(sem);
      });
    });
    expect(explore(signal).verdict).toBe('ok');
    const r = explore(three(0));
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toContain('waits in down on sem until up()');
    expect(explore(three(1)).verdict).toBe('ok');
  });

  it('rejects a bad count', () => {
    expect(() => scenario('bad', (k) => {
      k.semaphore('sem', -1);
      k.thread('T', function* () {});
    })).toThrow("k.semaphore('sem'): the count must be an integer ≥ 0, got -1");
  });
});
