import { describe, expect, it } from 'vitest';
import {
  EAGAIN, EFAULT, READ, act, deviceAccess, do_exit, explore, kfree, mmput, mmu_notifier_invalidate_range_end, mmu_notifier_invalidate_range_start,
  mmu_notifier_invalidate_range_start_nonblock, mmu_notifier_range_init, mmu_notifier_register, mmu_notifier_unregister,
  mmu_notifier_unregister_no_release, mutex_lock, mutex_trylock, mutex_unlock, perform, scenario, simulate, sys_munmap,
  type MmuNotifier, type MmuNotifierOps, type MmuNotifierRange, type Op,
} from '../../src/index.ts';
import { check, objectState, runOut } from '../mm/support.ts';

/** A step named after a callback, so that a trace shows each call. */
function* called(sub: MmuNotifier, op: string, note = ''): Op<void> {
  yield* perform(act(op, sub, READ, () => note && sub.world.note(note)));
}

const describeRange = (r: MmuNotifierRange) => `${r} ${r.blockable ? 'blockable' : 'non-blockable'}`;

/** A subscriber that accepts every invalidation and shows every call. */
const recording: MmuNotifierOps = {
  *release(sub) {
    yield* called(sub, '->release');
  },
  *invalidate_range_start(sub, range) {
    yield* called(sub, '->invalidate_range_start', describeRange(range));
    return 0;
  },
  *invalidate_range_end(sub, range) {
    yield* called(sub, '->invalidate_range_end', describeRange(range));
  },
};

describe('mmu notifiers', () => {
  it('munmap invalidates the range, blockable, between start and end', () => {
    const s = scenario('munmap', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x2000, { populated: true });
      k.mmuNotifier('dev', recording, P.mm);
      P.thread('T1', function* () {
        yield* sys_munmap(0x10000, 0x2000);
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    const calls = sim.steps.filter((st) => st.op.startsWith('->') || st.op === 'unmap_vmas').map((st) => `${st.op} ${st.note}`);
    expect(calls).toEqual([
      '->invalidate_range_start P.mm [0x10000, 0x12000) blockable',
      'unmap_vmas zaps 2 pages of P.mm in [0x10000, 0x12000)',
      '->invalidate_range_end P.mm [0x10000, 0x12000) blockable',
    ]);
  });

  it("registration holds mm_count; exit_mmap's release unlinks every subscription; unregister then only drops mm_count", () => {
    const s = scenario('exit with subscriptions', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x1000, { populated: true });
      const a = k.mmuNotifier('A', recording, P.mm);
      const b = k.mmuNotifier('B', recording);
      P.thread('T1', function* () {
        yield* mmu_notifier_register(b, P.mm);
        yield* do_exit();
      });
      k.thread('K', function* () {
        yield* mmu_notifier_unregister(a, P.mm);
        yield* mmu_notifier_unregister(b, P.mm);
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(objectState(sim, 'P.mm.mm_count').holders).toEqual(['A', 'B']);
    expect(objectState(sim, 'P.mm')).toMatchObject({ mm_users: 0, freed: false });
    expect(objectState(sim, 'A').registered).toBe(false);
    expect(objectState(sim, 'B').registered).toBe(false);
    const t1 = sim.steps.map((st) => st.op);
    expect(t1.filter((op) => op === '->release')).toHaveLength(2);
    expect(t1.indexOf('hlist_del_init_rcu')).toBeLessThan(t1.indexOf('unmap_vmas'));
    expect(t1).not.toContain('->invalidate_range_start'); // nobody hears about exit_mmap's unmapping
    runOut(sim, 'K');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.filter((st) => st.thread === 'K').map((st) => st.op)).not.toContain('->release');
    expect(objectState(sim, 'P.mm').freed).toBe(true);
  });

  it('unregister racing with the release of the last mmput: ->release may run twice, and the mm is always freed', () => {
    const s = scenario('release race', (k) => {
      const mm = k.mm('mm1');
      const a = k.mmuNotifier('A', recording, mm);
      k.thread('T', function* () {
        yield* mmput(mm);
      });
      k.thread('K', function* () {
        yield* mmu_notifier_unregister(a, mm);
      });
    });
    expect(check(s).verdict).toBe('ok');
    let executions = 0;
    explore(s, {
      onExecution: (e) => {
        if (e.verdict === 'redundant') return; // stopped short, at a state explored before
        executions++;
        expect(e.snapshot().objects.find((o) => o.name === 'mm1')?.freed).toBe(true);
      },
    });
    expect(executions).toBeGreaterThan(1);

    const sim = simulate(s);
    sim.step('K'); // A is still linked
    sim.step('K'); // srcu_read_lock
    runOut(sim, 'T'); // the last mmput: exit_mmap's release calls A's ->release, unlinks it, waits for K's read section
    expect(sim.whyNot('T')).toBe('T waits in wait_event on mm1.notifier_subscriptions.srcu until the SRCU readers that came before it are done');
    runOut(sim, 'K');
    runOut(sim, 'T');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.filter((st) => st.op === '->release').map((st) => st.thread)).toEqual(['T', 'K']);
  });

  describe('the invalidate_range_start contract', () => {
    /** A subscriber whose start takes a mutex, as `taking` says; T invalidates, H holds the mutex for a moment. */
    const subscriber = (taking: 'mutex_lock' | 'mutex_trylock', blockable: boolean) =>
      scenario(`${taking} ${blockable ? 'blockable' : 'non-blockable'}`, (k) => {
        const mm = k.mm('mm1');
        const lock = k.mutex('dev.lock');
        k.mmuNotifier('dev', {
          *invalidate_range_start() {
            if (taking === 'mutex_lock') yield* mutex_lock(lock);
            else if (!(yield* mutex_trylock(lock))) return -EAGAIN;
            yield* mutex_unlock(lock);
            return 0;
          },
        }, mm);
        k.thread('T', function* () {
          const range = mmu_notifier_range_init(mm, 0x10000, 0x11000);
          if (blockable) yield* mmu_notifier_invalidate_range_start(range);
          else if (yield* mmu_notifier_invalidate_range_start_nonblock(range)) return;
          yield* mmu_notifier_invalidate_range_end(range);
        });
        k.thread('H', function* () {
          yield* mutex_lock(lock);
          yield* mutex_unlock(lock);
        });
      });

    it('a non-blockable start that sleeps is a violation', () => {
      const r = check(subscriber('mutex_lock', false));
      expect(r.counterexample?.rule).toBe('sleep-in-atomic');
      expect(r.message).toBe('BUG: sleeping function called from invalid context: T calls mutex_lock(dev.lock) in the non-blockable invalidate_range_start of dev');
    });

    it('a blockable start may sleep, and a non-blockable one that tries the lock and returns -EAGAIN is right', () => {
      expect(check(subscriber('mutex_lock', true)).verdict).toBe('ok');
      expect(check(subscriber('mutex_trylock', false)).verdict).toBe('ok');
    });

    const failing = (ret: number, blockable: boolean) =>
      scenario(`returns ${ret}`, (k) => {
        const mm = k.mm('mm1');
        k.mmuNotifier('dev', {
          *invalidate_range_start() {
            return ret;
          },
        }, mm);
        k.thread('T', function* () {
          const range = mmu_notifier_range_init(mm, 0x10000, 0x11000);
          if (blockable) yield* mmu_notifier_invalidate_range_start(range);
          else yield* mmu_notifier_invalidate_range_start_nonblock(range);
        });
      });

    it('-EAGAIN only when not blockable, and nothing but 0 or -EAGAIN', () => {
      expect(check(failing(-EAGAIN, true)).message).toBe(
        "dev's invalidate_range_start returned -11 to T for a blockable invalidation of mm1 [0x10000, 0x11000): only a non-blockable start may fail, and only with -EAGAIN",
      );
      expect(check(failing(-EFAULT, false)).message).toBe("dev's invalidate_range_start returned -14 to T for mm1 [0x10000, 0x11000): a non-blockable start returns 0 or -EAGAIN");
      expect(check(failing(-EAGAIN, false)).verdict).toBe('ok');
    });

    it('no end after a refused start, and an end after every other start', () => {
      const pairing = (mode: 'end after -EAGAIN' | 'no end') =>
        scenario(mode, (k) => {
          const mm = k.mm('mm1');
          k.mmuNotifier('dev', {
            *invalidate_range_start(_s, range) {
              return mode === 'no end' ? 0 : range.blockable ? 0 : -EAGAIN;
            },
          }, mm);
          k.thread('T', function* () {
            const range = mmu_notifier_range_init(mm, 0x10000, 0x11000);
            yield* mmu_notifier_invalidate_range_start_nonblock(range);
            if (mode === 'end after -EAGAIN') yield* mmu_notifier_invalidate_range_end(range);
          });
        });
      expect(check(pairing('end after -EAGAIN')).message).toBe(
        'T called mmu_notifier_invalidate_range_end on mm1 [0x10000, 0x11000) after the non-blocking start returned -EAGAIN: no end may follow a refused start',
      );
      const r = check(pairing('no end'));
      expect(r.verdict).toBe('violation');
      expect(r.message).toBe('T started invalidating mm1 [0x10000, 0x11000) at step 4 and never called invalidate_range_end');
    });
  });

  describe('secondary MMU access', () => {
    const device = (address: number, accepts: boolean) =>
      scenario(`device at ${address.toString(16)}`, (k) => {
        const mm = k.mm('mm1');
        const dev = k.mmuNotifier('dev', {
          *invalidate_range_start() {
            return accepts ? 0 : -EAGAIN;
          },
        }, mm);
        k.thread('T', function* () {
          const range = mmu_notifier_range_init(mm, 0x10000, 0x12000);
          if (yield* mmu_notifier_invalidate_range_start_nonblock(range)) return;
          yield* mmu_notifier_invalidate_range_end(range);
        });
        k.thread('D', function* () {
          yield* deviceAccess(dev, address);
        });
      });

    it('a device touching a range between the start it accepted and the end is a violation', () => {
      const r = check(device(0x11000, true));
      expect(r.verdict).toBe('violation');
      expect(r.counterexample?.schedule).toBe('a3b');
      expect(r.message).toBe(
        'D touched 0x11000 through dev while mm1 [0x10000, 0x12000) is being invalidated (its invalidate_range_start returned 0 at step 3, to T): a secondary MMU must not touch the range until invalidate_range_end',
      );
    });

    it('outside the range, or after a refused start, the device may touch its pages', () => {
      expect(check(device(0x12000, true)).verdict).toBe('ok');
      expect(check(device(0x11000, false)).verdict).toBe('ok');
    });
  });

  describe('unregister and SRCU', () => {
    /** K unregisters and frees the subscription while T may be inside its start callback. */
    const freeing = (unregister: 'mmu_notifier_unregister' | 'mmu_notifier_unregister_no_release') =>
      scenario(unregister, (k) => {
        const mm = k.mm('mm1');
        const lock = k.mutex('dev.lock');
        const dev = k.mmuNotifier('dev', {
          *invalidate_range_start() {
            yield* mutex_lock(lock);
            yield* mutex_unlock(lock);
            return 0;
          },
        }, mm);
        k.thread('T', function* () {
          const range = mmu_notifier_range_init(mm, 0x10000, 0x11000);
          yield* mmu_notifier_invalidate_range_start(range);
          yield* mmu_notifier_invalidate_range_end(range);
        });
        k.thread('K', function* () {
          if (unregister === 'mmu_notifier_unregister') yield* mmu_notifier_unregister(dev, mm);
          else yield* mmu_notifier_unregister_no_release(dev, mm);
          yield* kfree(dev);
        });
      });

    it('unregister waits for callbacks in progress (synchronize_srcu) before the subscription may be freed', () => {
      expect(check(freeing('mmu_notifier_unregister')).verdict).toBe('ok');
    });

    it('unregister_no_release does not wait: freeing the subscription then is a use after free', () => {
      const r = check(freeing('mmu_notifier_unregister_no_release'));
      expect(r.counterexample?.rule).toBe('use-after-free');
      expect(r.message).toMatch(/^T used dev in invalidate_range_start after K freed it at step \d+$/);
    });
  });
});
