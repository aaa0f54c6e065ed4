import { describe, expect, it } from 'vitest';
import {
  atomic_read, atomic_set, explore, kfree, kfree_rcu, mutex_lock, mutex_unlock, rcu_read_lock, rcu_read_unlock, replay,
  scenario, synchronize_rcu, type Atomic, type Op,
} from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

/** A reader that looks the object up through `gp` (the published pointer, 1 while published) and uses it. */
const reader = (gp: Atomic, obj: Atomic, locked = true) => function* (): Op<void> {
  if (locked) yield* rcu_read_lock();
  if (yield* atomic_read(gp)) yield* atomic_read(obj);
  if (locked) yield* rcu_read_unlock();
};

/** The updater unpublishes the object, then frees it: after a grace period, or at once. */
const updater = (gp: Atomic, obj: Atomic, free: 'kfree_rcu' | 'synchronize_rcu' | 'kfree') => function* (): Op<void> {
  yield* atomic_set(gp, 0);
  if (free === 'kfree_rcu') yield* kfree_rcu(obj);
  else {
    if (free === 'synchronize_rcu') yield* synchronize_rcu();
    yield* kfree(obj);
  }
};

const pattern = (free: 'kfree_rcu' | 'synchronize_rcu' | 'kfree', locked = true) =>
  scenario(`${free}${locked ? '' : ' (reader without rcu_read_lock)'}`, (k) => {
    const gp = k.atomic('gp', 1);
    const obj = k.atomic('obj', 42);
    k.thread('R', reader(gp, obj, locked));
    k.thread('U', updater(gp, obj, free));
  });

describe('RCU', () => {
  it('synchronize_rcu waits for the readers that began before it, and is woken by the last one leaving', () => {
    const sim = drive(pattern('synchronize_rcu'), 'R', 'U', 'U');
    expect(sim.steps[2]).toMatchObject({ thread: 'U', op: 'synchronize_rcu', blocked: true, note: 'waits for R to leave their read-side sections' });
    expect(objectState(sim, 'rcu_state').summary).toBe('readers: R; synchronize_rcu: U');
    expect(sim.step('R')).toMatchObject({ op: 'atomic_read', target: 'gp' }); // reads 0: the object is unpublished
    expect(sim.step('R').note).toBe('leaves its RCU read-side critical section; grace period over: woke U');
  });

  it('a reader that begins after synchronize_rcu started does not delay it', () => {
    const sim = drive(pattern('synchronize_rcu'), 'U', 'U');
    expect(sim.steps[1]).toMatchObject({ op: 'synchronize_rcu', blocked: false, note: 'no readers: the grace period is over at once' });
  });

  it('the classic pattern is correct with synchronize_rcu or kfree_rcu, and a use after free with a plain kfree', () => {
    expect(explore(pattern('synchronize_rcu')).verdict).toBe('ok');
    expect(explore(pattern('kfree_rcu')).verdict).toBe('ok');
    const r = explore(pattern('kfree'));
    expect(r).toMatchObject({ verdict: 'violation', counterexample: { rule: 'use-after-free' } });
    expect(r.message).toContain('R used obj in atomic_read after U freed it');
  });

  it('kfree_rcu frees only after the grace period: a reader outside rcu_read_lock still uses freed memory', () => {
    const r = explore(pattern('kfree_rcu', false));
    expect(r.verdict).toBe('violation');
    expect(r.message).toContain("R used obj in atomic_read after U's kfree_rcu freed it");
    const sim = drive(pattern('kfree_rcu'), 'R', 'U', 'U');
    expect(sim.steps[2]!.note).toBe('frees obj (kfree_rcu) after R leave their read-side sections');
    expect(objectState(sim, 'rcu_state').summary).toBe('readers: R; 1 callback(s) pending');
  });

  it('sleeping inside a read-side section is a violation', () => {
    const s = scenario('sleep under rcu_read_lock', (k) => {
      const m = k.mutex('m');
      k.thread('T', function* () {
        yield* rcu_read_lock();
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
        yield* rcu_read_unlock();
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', counterexample: { rule: 'sleep-in-atomic' } });
    expect(r.message).toContain('BUG: sleeping function called from invalid context: T calls mutex_lock(m) inside an RCU read-side critical section');
  });

  it('synchronize_rcu inside a read-side section waits for itself: a deadlock', () => {
    const s = scenario('synchronize_rcu under rcu_read_lock', (k) => {
      k.thread('T', function* () {
        yield* rcu_read_lock();
        yield* synchronize_rcu();
        yield* rcu_read_unlock();
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: T can never run again; T waits in synchronize_rcu on rcu_state for the grace period: until T leaves the RCU read-side section (T itself is one: synchronize_rcu inside rcu_read_lock).');
  });

  it('nesting counts; an unbalanced unlock and a thread ending inside a section are violations', () => {
    const nested = scenario('nested', (k) => {
      const gp = k.atomic('gp', 1);
      const obj = k.atomic('obj');
      k.thread('R', function* () {
        yield* rcu_read_lock();
        yield* rcu_read_lock();
        yield* rcu_read_unlock();
        if (yield* atomic_read(gp)) yield* atomic_read(obj);
        yield* rcu_read_unlock();
      });
      k.thread('U', updater(gp, obj, 'synchronize_rcu'));
    });
    expect(explore(nested).verdict).toBe('ok');
    const unbalanced = scenario('unbalanced', (k) => {
      k.thread('T', function* () {
        yield* rcu_read_unlock();
      });
    });
    expect(explore(unbalanced)).toMatchObject({ verdict: 'violation', counterexample: { rule: 'unbalanced' } });
    const open = scenario('open', (k) => {
      k.thread('T', function* () {
        yield* rcu_read_lock();
      });
    });
    expect(explore(open).message).toContain('T finished inside an RCU read-side critical section');
  });

  it('a failing schedule replays', () => {
    const s = pattern('kfree');
    const r = explore(s);
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('violation');
  });
});
