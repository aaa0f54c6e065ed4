import { describe, expect, it } from 'vitest';
import {
  complete, complete_all, explore, init_completion, reinit_completion, scenario, spin_lock, spin_unlock, wait_for_completion,
  type Completion,
} from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

const waiters = (all: boolean) =>
  scenario(all ? 'complete_all' : 'complete', (k) => {
    const done = k.completion('done');
    k.thread('W1', function* () {
      yield* wait_for_completion(done);
    });
    k.thread('W2', function* () {
      yield* wait_for_completion(done);
    });
    k.thread('C', function* () {
      yield* (all ? complete_all(done) : complete(done));
    });
  });

describe('completion', () => {
  it('wait_for_completion sleeps while done is 0; complete wakes only the first waiter and counts one', () => {
    const sim = drive(waiters(false), 'W1', 'W2');
    expect(sim.steps.map((s) => s.blocked)).toEqual([true, true]);
    expect(sim.step('C').note).toBe('woke W1');
    expect(objectState(sim, 'done')).toMatchObject({ done: 1, waiters: ['W2'] });
    expect(sim.step('W1').note).toBe('woken: done is done');
    expect(objectState(sim, 'done').done).toBe(0);
    expect(sim.runnable()).toEqual([]);
    expect(sim.outcome?.verdict).toBe('deadlock');
  });

  it('one complete for two waiters is a deadlock the explorer finds; complete_all releases both, and later waits too', () => {
    const one = explore(waiters(false));
    expect(one.verdict).toBe('deadlock');
    expect(one.message).toMatch(/W\d waits in wait_for_completion on done until complete\(\) or complete_all\(\)/);
    expect(explore(waiters(true)).verdict).toBe('ok');
    const sim = drive(waiters(true), 'C');
    expect(objectState(sim, 'done').done).toBe('all');
    expect(sim.step('W1').note).toBe('done is done: no wait');
    expect(objectState(sim, 'done').done).toBe('all');
  });

  it('a complete before the wait is not lost: done counts it', () => {
    const sim = drive(waiters(false), 'C', 'W2');
    expect(sim.steps[1]).toMatchObject({ blocked: false, note: 'done is done: no wait' });
  });

  it('a newcomer can take the completion before the woken waiter runs; the woken one sleeps again', () => {
    const sim = drive(waiters(false), 'W1', 'C', 'W2');
    expect(sim.steps[2]).toMatchObject({ thread: 'W2', blocked: false });
    expect(sim.step('W1')).toMatchObject({ blocked: true, note: 'another thread took the completion first: sleeps again' });
  });

  it('reinit_completion resets done after complete_all; init_completion with waiters is a violation', () => {
    const s = scenario('reinit', (k) => {
      const c = k.completion('c');
      k.thread('T', function* () {
        yield* complete_all(c);
        yield* reinit_completion(c);
        yield* wait_for_completion(c);
      });
    });
    expect(explore(s).verdict).toBe('deadlock');
    const bad = scenario('init under a waiter', (k) => {
      const c: Completion = k.completion('c');
      k.thread('W', function* () {
        yield* wait_for_completion(c);
      });
      k.thread('I', function* () {
        yield* init_completion(c);
        yield* complete(c);
      });
    });
    const r = explore(bad);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample?.rule).toBe('init-with-waiters');
  });

  it('waiting under a spinlock is sleeping in atomic context', () => {
    const s = scenario('wait under spinlock', (k) => {
      const c = k.completion('c');
      const l = k.spinlock('l');
      k.thread('T', function* () {
        yield* spin_lock(l);
        yield* wait_for_completion(c);
        yield* spin_unlock(l);
      });
      k.thread('C', function* () {
        yield* complete(c);
      });
    });
    expect(explore(s)).toMatchObject({ verdict: 'violation', counterexample: { rule: 'sleep-in-atomic' } });
  });
});
