import { describe, expect, it } from 'vitest';
import { atomic_set, explore, mutex_lock, mutex_trylock, mutex_unlock, scenario, simulate, spin_lock, spin_until, type Mutex, type Op } from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

const critical = (m: Mutex) => function* (): Op<void> {
  yield* mutex_lock(m);
  yield* mutex_unlock(m);
};

const three = scenario('three lockers', (k) => {
  const m = k.mutex('m');
  for (const name of ['T1', 'T2', 'T3']) k.thread(name, critical(m));
});

describe('mutex', () => {
  it('the explorer takes a contended mutex_lock as one step: three lockers, one execution per order of acquisition', () => {
    const r = explore(three);
    expect(r.verdict).toBe('ok');
    expect(r.stats.executions).toBe(6);
  });

  it('a mutex_lock that may not sleep is not postponed: its attempt while the mutex is held is explored, the shortest sleep in atomic context', () => {
    const s = scenario('mutex_lock under a spinlock', (k) => {
      const m = k.mutex('m');
      const lock = k.spinlock('lock');
      const flag = k.atomic('flag');
      k.thread('holder', critical(m));
      k.thread('atomic', function* () {
        if (yield* mutex_trylock(m)) return void (yield* mutex_unlock(m));
        yield* spin_until(() => flag.value === 1, 'flag is 1');
        yield* spin_lock(lock);
        yield* mutex_lock(m);
      });
      k.thread('setter', function* () {
        yield* atomic_set(flag, 1);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    // The holder takes m, atomic's trylock fails, and it calls mutex_lock under the spinlock with m
    // still held: the holder's unlock is not part of it.
    const steps = r.counterexample!.steps.map((st) => `${st.thread} ${st.op}`);
    expect(steps).not.toContain('holder mutex_unlock');
    expect(steps.slice(-2)).toEqual(['atomic spin_lock', 'atomic mutex_lock']);
    expect(r.counterexample!.steps.at(-1)!.violation).toMatch(/sleeping function called from invalid context/);
  });

  it('by hand, a thread whose mutex_lock would sleep can still be stepped, and sleeps', () => {
    const sim = simulate(three);
    sim.step('T1');
    expect(sim.runnable()).toEqual(['T1', 'T2', 'T3']);
    expect(sim.step('T2').blocked).toBe(true);
    expect(sim.runnable()).toEqual(['T1', 'T3']);
  });

  it('an unlock wakes the first waiter, which then takes the mutex', () => {
    const sim = drive(three, 'T1', 'T2');
    expect(sim.steps[1]).toMatchObject({ thread: 'T2', op: 'mutex_lock', blocked: true, note: 'waits: held by T1' });
    expect(sim.step('T1').note).toBe('woke T2');
    expect(objectState(sim, 'm')).toMatchObject({ owner: null, waiters: ['T2'] });
    expect(sim.step('T2')).toMatchObject({ op: 'mutex_lock', blocked: false, note: 'acquired m' });
    expect(objectState(sim, 'm')).toMatchObject({ owner: 'T2', waiters: [] });
  });

  it('a newcomer may steal a released mutex; the woken waiter then asks for a handoff and gets it', () => {
    const sim = drive(three, 'T1', 'T2', 'T1'); // T1 releases and wakes T2
    expect(sim.step('T3').note).toBe('acquired m'); // T3 steals before T2 runs
    const retry = sim.step('T2');
    expect(retry).toMatchObject({ blocked: true, note: 'T3 took m first; waits again (handoff requested)' });
    expect(sim.step('T3').note).toBe('handed m to T2');
    expect(objectState(sim, 'm')).toMatchObject({ owner: 'T2', handoff: false });
    expect(sim.step('T2').note).toBe('acquired m (handed off)');
  });

  it('mutex_trylock returns whether it took the mutex and never waits', () => {
    const s = scenario('trylock', (k) => {
      const m = k.mutex('m');
      k.thread('T1', critical(m));
      k.thread('T2', function* () {
        if (yield* mutex_trylock(m)) yield* mutex_unlock(m);
      });
    });
    const busy = drive(s, 'T1').step('T2');
    expect(busy).toMatchObject({ blocked: false, note: 'failed: held by T1' });
    const free = drive(s, 'T2');
    expect(objectState(free, 'm').owner).toBe('T2');
  });

  it('only the owner may unlock', () => {
    const s = scenario('wrong owner', (k) => {
      const m = k.mutex('m');
      k.thread('T1', critical(m));
      k.thread('T2', function* () {
        yield* mutex_unlock(m);
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', message: 'T2 called mutex_unlock on m, which is not locked' });
    expect(r.counterexample!.steps).toHaveLength(1);
    const sim = drive(s, 'T1');
    sim.step('T2');
    expect(sim.outcome).toEqual({ verdict: 'violation', message: 'T2 called mutex_unlock on m, which T1 holds' });
  });

  it('a thread that finishes holding a mutex is a violation', () => {
    const s = scenario('leaked lock', (k) => {
      const m = k.mutex('m');
      k.thread('T1', function* () {
        yield* mutex_lock(m);
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', message: 'T1 finished while holding m' });
    expect(r.counterexample!.rule).toBe('lock-held-at-exit');
  });

  it('taking a mutex twice deadlocks the thread on itself', () => {
    const s = scenario('recursive mutex', (k) => {
      const m = k.mutex('m');
      k.thread('T1', function* () {
        yield* mutex_lock(m);
        yield* mutex_lock(m);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: T1 can never run again; T1 waits in mutex_lock on m held by T1.');
  });

  it('AB-BA: the counterexample has the fewest steps, then the fewest switches', () => {
    const s = scenario('AB-BA', (k) => {
      const a = k.mutex('A');
      const b = k.mutex('B');
      k.thread('T1', function* () {
        yield* mutex_lock(a);
        yield* mutex_lock(b);
        yield* mutex_unlock(b);
        yield* mutex_unlock(a);
      });
      k.thread('T2', function* () {
        yield* mutex_lock(b);
        yield* mutex_lock(a);
        yield* mutex_unlock(a);
        yield* mutex_unlock(b);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    // Four steps are needed; T1 A, T2 B, T2 A (blocks), T1 B (blocks) switches only twice.
    expect(r.counterexample).toMatchObject({ schedule: 'ab2a', switches: 2, fewestSwitches: true });
  });
});
