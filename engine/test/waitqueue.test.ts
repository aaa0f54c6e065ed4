import { describe, expect, it } from 'vitest';
import { atomic_inc, explore, scenario, wait_event, wake_up, wake_up_all } from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

describe('wait queues', () => {
  it('wait_event returns at once when the condition already holds', () => {
    const s = scenario('already true', (k) => {
      const wq = k.waitqueue('wq');
      const c = k.atomic('c', 1);
      k.thread('T1', function* () {
        yield* wait_event(wq, () => c.value >= 1, 'c >= 1');
      });
    });
    const sim = drive(s, 'T1');
    expect(sim.steps[0]).toMatchObject({ op: 'wait_event', blocked: false, note: 'c >= 1: true' });
    expect(sim.outcome?.verdict).toBe('ok');
  });

  it('a sleeper wakes on wake_up and re-checks; no wake-up is lost', () => {
    const s = scenario('producer', (k) => {
      const wq = k.waitqueue('wq');
      const c = k.atomic('c');
      k.thread('waiter', function* () {
        yield* wait_event(wq, () => c.value >= 1, 'c >= 1');
      });
      k.thread('waker', function* () {
        yield* atomic_inc(c);
        yield* wake_up(wq);
      });
    });
    const sim = drive(s, 'waiter');
    expect(sim.steps[0]).toMatchObject({ blocked: true, note: 'sleeps until c >= 1' });
    expect(objectState(sim, 'wq').waiters).toEqual([{ thread: 'waiter', until: 'c >= 1' }]);
    expect(sim.runnable()).toEqual(['waker']);
    sim.step('waker');
    expect(sim.runnable()).toEqual(['waker']); // incrementing alone wakes nobody
    expect(sim.step('waker').note).toBe('woke waiter');
    expect(sim.step('waiter')).toMatchObject({ op: 'wait_event', blocked: false, note: 'c >= 1: true' });
    expect(explore(s).verdict).toBe('ok');
  });

  it('a waiter woken while the condition is still false sleeps again', () => {
    const s = scenario('spurious', (k) => {
      const wq = k.waitqueue('wq');
      const c = k.atomic('c');
      k.thread('waiter', function* () {
        yield* wait_event(wq, () => c.value >= 1, 'c >= 1');
      });
      k.thread('waker', function* () {
        yield* wake_up_all(wq);
        yield* atomic_inc(c);
        yield* wake_up_all(wq);
      });
    });
    const sim = drive(s, 'waiter', 'waker', 'waiter');
    expect(sim.steps[2]).toMatchObject({ op: 'wait_event', blocked: true, note: 'sleeps until c >= 1' });
    sim.step('waker');
    sim.step('waker');
    expect(sim.step('waiter').blocked).toBe(false);
    expect(explore(s).verdict).toBe('ok');
  });

  it('changing the condition without a wake-up leaves the waiter asleep: a deadlock that names the condition', () => {
    const s = scenario('forgotten wake_up', (k) => {
      const wq = k.waitqueue('wq');
      const c = k.atomic('c');
      k.thread('waiter', function* () {
        yield* wait_event(wq, () => c.value >= 1, 'c >= 1');
      });
      k.thread('setter', function* () {
        yield* atomic_inc(c);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: waiter can never run again; waiter waits in wait_event on wq until c >= 1.');
    expect(r.counterexample!.schedule).toBe('ab');
  });
});
