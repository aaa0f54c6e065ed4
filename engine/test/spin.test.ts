import { describe, expect, it } from 'vitest';
import { atomic_set, explore, replay, scenario, spin_lock, spin_unlock, spin_until, type Atomic, type Op } from '../src/index.ts';
import { drive } from './support/drive.ts';

const waitFor = (flag: Atomic, value = 1) => function* (): Op<void> {
  yield* spin_until(() => flag.value === value, `flag == ${value}`);
};

describe('spin_until', () => {
  it('a spin loop on another thread\'s store ends ok, in few executions', () => {
    const s = scenario('spin on a flag', (k) => {
      const flag = k.atomic('flag');
      k.thread('waiter', waitFor(flag));
      k.thread('setter', function* () {
        yield* atomic_set(flag, 1);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.stats.executions).toBeLessThanOrEqual(2);
  });

  it('an iteration that finds the condition false waits on what it read; a write to it wakes the spinner', () => {
    const s = scenario('woken by the store', (k) => {
      const flag = k.atomic('flag');
      const other = k.atomic('other');
      k.thread('waiter', waitFor(flag, 2));
      k.thread('setter', function* () {
        yield* atomic_set(other, 1);
        yield* atomic_set(flag, 1);
        yield* atomic_set(flag, 2);
      });
    });
    const sim = drive(s, 'waiter');
    expect(sim.steps[0]).toMatchObject({ op: 'spin_until', blocked: true, note: 'spins until flag == 2' });
    sim.step('setter'); // other: not read by the condition
    expect(sim.runnable()).toEqual(['setter']);
    sim.step('setter'); // flag = 1 wakes the spinner
    expect(sim.runnable()).toEqual(['waiter', 'setter']);
    expect(sim.step('waiter')).toMatchObject({ blocked: true });
    sim.step('setter');
    expect(sim.step('waiter')).toMatchObject({ blocked: false, note: 'flag == 2: true' });
  });

  it('a loop no thread can release is a livelock, reported as a deadlock with its reason, not as incomplete', () => {
    const s = scenario('never set', (k) => {
      const flag = k.atomic('flag');
      k.thread('waiter', waitFor(flag));
      k.thread('setter', function* () {
        yield* atomic_set(flag, 2);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: waiter can never run again; waiter waits in spin_until on flag until flag == 1, spinning (a livelock unless another thread writes flag).');
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('deadlock');
  });

  it('spinning is allowed under a spinlock (it does not sleep), and the ABBA of a spin and a lock deadlocks', () => {
    const s = scenario('spin under a lock the setter needs', (k) => {
      const flag = k.atomic('flag');
      const l = k.spinlock('l');
      k.thread('waiter', function* () {
        yield* spin_lock(l);
        yield* spin_until(() => flag.value === 1, 'flag == 1');
        yield* spin_unlock(l);
      });
      k.thread('setter', function* () {
        yield* spin_lock(l);
        yield* atomic_set(flag, 1);
        yield* spin_unlock(l);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toContain('setter waits in spin_lock on l (spinning) held by waiter');
  });
});
