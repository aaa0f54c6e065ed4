import { describe, expect, it } from 'vitest';
import {
  down_read, explore, mutex_lock, mutex_unlock, scenario, spin_lock, spin_lock_irqsave, spin_trylock, spin_unlock,
  spin_unlock_irqrestore, up_read, wait_event,
} from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

describe('spinlock', () => {
  it('sleeping while holding a spinlock is a violation, in the kernel\'s words', () => {
    const s = scenario('sleep under spinlock', (k) => {
      const ptl = k.spinlock('ptl');
      const m = k.mutex('m');
      k.thread('T1', function* () {
        yield* spin_lock(ptl);
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
        yield* spin_unlock(ptl);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.rule).toBe('sleep-in-atomic');
    expect(r.message).toBe('BUG: sleeping function called from invalid context: T1 calls mutex_lock(m) while holding spinlock ptl');
    expect(r.counterexample!.steps.at(-1)).toMatchObject({ op: 'mutex_lock', violation: r.message });
  });

  it('every sleeping primitive checks: rwsem, wait queue, with interrupts off too', () => {
    const s = scenario('sleep with irqs off', (k) => {
      const l = k.spinlock('l');
      const sem = k.rwsem('sem');
      const wq = k.waitqueue('wq');
      k.thread('T1', function* () {
        const flags = yield* spin_lock_irqsave(l);
        yield* down_read(sem);
        yield* up_read(sem);
        yield* spin_unlock_irqrestore(l, flags);
      });
      k.thread('T2', function* () {
        yield* spin_lock(l);
        yield* wait_event(wq, () => true);
        yield* spin_unlock(l);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.message).toMatch(/^BUG: sleeping function called from invalid context: T[12] calls (down_read\(sem\)|wait_event\(wq\)) while holding spinlock l$/);
  });

  it('a contended locker spins, and the lock passes to spinners in arrival order', () => {
    const s = scenario('queued spinlock', (k) => {
      const l = k.spinlock('l');
      for (const n of ['T1', 'T2', 'T3']) {
        k.thread(n, function* () {
          yield* spin_lock(l);
          yield* spin_unlock(l);
        });
      }
    });
    const sim = drive(s, 'T1', 'T2', 'T3');
    expect(sim.steps[1]).toMatchObject({ blocked: true, note: 'spins: held by T1' });
    expect(objectState(sim, 'l')).toMatchObject({ owner: 'T1', spinners: ['T2', 'T3'] });
    expect(sim.step('T1').note).toBe('passed l to T2');
    expect(objectState(sim, 'l')).toMatchObject({ owner: 'T2', spinners: ['T3'] });
    expect(sim.threads()[1]!.atomic.preemptCount).toBe(1);
  });

  it('spin_lock_irqsave disables interrupts and the restore puts back the saved state', () => {
    const s = scenario('irqsave', (k) => {
      const l = k.spinlock('l');
      k.thread('T1', function* () {
        const flags = yield* spin_lock_irqsave(l);
        yield* spin_unlock_irqrestore(l, flags);
      });
    });
    const sim = drive(s, 'T1');
    expect(sim.threads()[0]!.atomic).toEqual({ preemptCount: 1, irqsDisabled: 1, pagefaultsDisabled: 0 });
    sim.step('T1');
    expect(sim.threads()[0]!.atomic).toEqual({ preemptCount: 0, irqsDisabled: 0, pagefaultsDisabled: 0 });
    expect(sim.outcome?.verdict).toBe('ok');
  });

  it('spin_trylock fails without spinning; spin_unlock of a lock not held is a violation', () => {
    const s = scenario('trylock', (k) => {
      const l = k.spinlock('l');
      k.thread('T1', function* () {
        yield* spin_lock(l);
        yield* spin_unlock(l);
      });
      k.thread('T2', function* () {
        if (!(yield* spin_trylock(l))) yield* spin_unlock(l);
      });
    });
    const sim = drive(s, 'T1', 'T2');
    expect(sim.steps[1]).toMatchObject({ blocked: false, note: 'failed: held by T1' });
    sim.step('T2');
    expect(sim.outcome).toEqual({ verdict: 'violation', message: 'T2 called spin_unlock on l, which it does not hold' });
  });
});
