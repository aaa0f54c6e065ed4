import { describe, expect, it } from 'vitest';
import {
  EAGAIN, EFAULT, EINVAL, READ, act, assert, atomic_set, deviceAccess, do_exit, down_write, hmm_range_register,
  hmm_mirror_unregister, hmm_range_unregister, hmm_range_wait_until_valid, mmu_notifier_invalidate_range_end, mmu_notifier_invalidate_range_start,
  mmu_notifier_invalidate_range_start_nonblock, mmu_notifier_range_init, perform, scenario, simulate, up_write, wait_event, wake_up_all,
  type HmmMirror, type HmmMirrorOps, type HmmVariant, type Op,
} from '../../src/index.ts';
import { check, checkBounded, objectState, runOut } from '../mm/support.ts';

/** A GPU driver's mirror: it invalidates its page table under a sleeping lock, so a non-blockable update gets -EAGAIN. */
const gpu: HmmMirrorOps = {
  *sync_cpu_device_pagetables(mirror: HmmMirror, update): Op<number> {
    if (!update.blockable) return -EAGAIN;
    yield* perform(act('gpu_invalidate', mirror, READ, () => {}));
    return 0;
  },
  *release(mirror: HmmMirror): Op<void> {
    yield* perform(act('gpu_release', mirror, READ, () => {}));
  },
};

/** A mirror that never needs to sleep. */
const quick: HmmMirrorOps = {
  *sync_cpu_device_pagetables(): Op<number> {
    return 0;
  },
};

describe('hmm', () => {
  it('has the ranges lock of its version: a mutex before the fix, a spinlock after; and needs a mirror', () => {
    scenario('locks', (k) => {
      const mm = k.mm('mm1');
      expect(k.hmm('old', mm, { variant: 'buggy', mirrors: { a: quick } }).lock).toMatchObject({ kind: 'mutex', name: 'old.lock' });
      expect(k.hmm('new', mm, { variant: 'fixed', mirrors: { b: quick } }).lock).toMatchObject({ kind: 'spinlock', name: 'new.ranges_lock' });
      expect(() => k.hmm('none', mm, { mirrors: {} })).toThrow(/needs at least one mirror/);
      expect(() => k.hmm('odd', mm, { variant: 'v5' as HmmVariant, mirrors: { c: quick } })).toThrow(/variant must be 'buggy' or 'fixed'/);
      k.thread('T', function* () {});
    });
  });

  for (const variant of ['buggy', 'fixed'] as const) {
    it(`(${variant}) a range is not valid while an invalidation is in progress; its waiter wakes at the end`, () => {
      const s = scenario('range', (k) => {
        const mm = k.mm('mm1');
        const hmm = k.hmm('hmm', mm, { variant, mirrors: { gpu } });
        const r = k.hmmRange('r');
        k.thread('D', function* () {
          assert((yield* hmm_range_register(r, hmm.mirrors[0]!, 0x10001, 0x12000)) === -EINVAL, 'unaligned');
          assert((yield* hmm_range_register(r, hmm.mirrors[0]!, 0x10000, 0x12000)) === 0);
          yield* hmm_range_wait_until_valid(r);
          yield* hmm_range_unregister(r);
        });
        k.thread('T', function* () {
          const range = mmu_notifier_range_init(mm, 0x11000, 0x13000);
          yield* mmu_notifier_invalidate_range_start(range);
          yield* mmu_notifier_invalidate_range_end(range);
        });
      });
      expect(checkBounded(s, 2).verdict).toBe('ok');

      const sim = simulate(s);
      for (let i = 0; i < 5; i++) sim.step('D'); // registered, valid
      expect(objectState(sim, 'r').valid).toBe(true);
      while (!sim.steps.some((st) => st.op === 'gpu_invalidate')) sim.step('T');
      expect(objectState(sim, 'hmm').notifiers).toBe(1);
      expect(objectState(sim, 'r').valid).toBe(false);
      sim.step('D');
      expect(sim.whyNot('D')).toBe('D waits in wait_event on hmm.wq until r->valid');
      runOut(sim, 'T');
      expect(objectState(sim, 'hmm').notifiers).toBe(0);
      runOut(sim, 'D');
      expect(sim.outcome?.verdict).toBe('ok');
      expect(objectState(sim, 'mm1.mm_users').holders).toEqual(['the scenario']);
    });
  }

  /**
   * The notifier leak: U holds mirrors_sem for write while R (the OOM reaper) starts a non-blocking
   * invalidation, whose trylock of mirrors_sem fails; D waits for its range to become valid.
   */
  const leak = (variant: HmmVariant) =>
    scenario(`notifier leak, ${variant}`, (k) => {
      const mm = k.mm('mm1');
      const hmm = k.hmm('hmm', mm, { variant, mirrors: { gpu: quick } });
      const r = k.hmmRange('r');
      const held = k.atomic('held');
      const tried = k.atomic('tried');
      const wq = k.waitqueue('wq');
      k.thread('U', function* () {
        yield* down_write(hmm.mirrors_sem);
        yield* atomic_set(held, 1);
        yield* wake_up_all(wq);
        yield* wait_event(wq, () => tried.value === 1, 'R has tried');
        yield* up_write(hmm.mirrors_sem);
      });
      k.thread('R', function* () {
        yield* wait_event(wq, () => held.value === 1, 'U holds mirrors_sem');
        const range = mmu_notifier_range_init(mm, 0x10000, 0x12000);
        assert((yield* mmu_notifier_invalidate_range_start_nonblock(range)) === -EAGAIN, 'the trylock fails');
        yield* atomic_set(tried, 1);
        yield* wake_up_all(wq);
      });
      k.thread('D', function* () {
        yield* hmm_range_register(r, hmm.mirrors[0]!, 0x10000, 0x12000);
        yield* hmm_range_wait_until_valid(r);
        yield* hmm_range_unregister(r);
      });
    });

  it('(buggy) a failed trylock of mirrors_sem returns -EAGAIN with notifiers raised: no range is ever valid again', () => {
    const r = checkBounded(leak('buggy'), 2);
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: D can never run again; D waits in wait_event on hmm.wq until r->valid.');
    const sim = simulate(leak('buggy'));
    runOut(sim, 'U');
    runOut(sim, 'R');
    expect(objectState(sim, 'hmm').notifiers).toBe(1);
  });

  it('(fixed) every error path lowers notifiers again, under a spinlock that cannot sleep', () => {
    expect(checkBounded(leak('fixed'), 2).verdict).toBe('ok');
    const sim = simulate(leak('fixed'));
    runOut(sim, 'U');
    runOut(sim, 'R');
    expect(objectState(sim, 'hmm').notifiers).toBe(0);
    expect(sim.steps.map((st) => st.op)).toContain('notifiers_decrement');
  });

  /** The swallowed -EAGAIN: the mirror cannot invalidate without sleeping; its device G keeps using a page. */
  const swallowed = (variant: HmmVariant) =>
    scenario(`swallowed -EAGAIN, ${variant}`, (k) => {
      const mm = k.mm('mm1');
      const hmm = k.hmm('hmm', mm, { variant, mirrors: { gpu } });
      k.thread('R', function* () {
        const range = mmu_notifier_range_init(mm, 0x10000, 0x12000);
        if (yield* mmu_notifier_invalidate_range_start_nonblock(range)) return;
        yield* mmu_notifier_invalidate_range_end(range);
      });
      k.thread('G', function* () {
        yield* deviceAccess(hmm.mmu_notifier, 0x10000);
      });
    });

  it('(buggy) an -EAGAIN from sync_cpu_device_pagetables is lost: the start returns 0 while the device still uses the range', () => {
    const r = check(swallowed('buggy'));
    expect(r.counterexample?.rule).toBe('mmu-notifier');
    expect(r.message).toMatch(/^G touched 0x10000 through hmm\.mmu_notifier while mm1 \[0x10000, 0x12000\) is being invalidated/);
  });

  it('(buggy) and its invalidate_range_end sleeps on the mutex after a non-blockable start', () => {
    const s = scenario('end sleeps', (k) => {
      const mm = k.mm('mm1');
      k.hmm('hmm', mm, { variant: 'buggy', mirrors: { gpu: quick } });
      k.thread('R', function* () {
        const range = mmu_notifier_range_init(mm, 0x10000, 0x12000);
        if (yield* mmu_notifier_invalidate_range_start_nonblock(range)) return;
        yield* mmu_notifier_invalidate_range_end(range);
      });
    });
    expect(check(s).message).toBe(
      'BUG: sleeping function called from invalid context: R calls mutex_lock(hmm.lock) in the invalidate_range_end of hmm.mmu_notifier that ends a non-blockable start',
    );
  });

  it('(fixed) the -EAGAIN reaches the caller, which then leaves the range alone', () => {
    expect(check(swallowed('fixed')).verdict).toBe('ok');
  });

  it("hmm_release runs each mirror's ->release when the mm goes; then a range cannot be registered", () => {
    const s = scenario('release', (k) => {
      const P = k.process('P');
      const hmm = k.hmm('hmm', P.mm, { variant: 'fixed', mirrors: { gpu } });
      const r = k.hmmRange('r');
      P.thread('T1', function* () {
        yield* do_exit();
      });
      k.thread('D', function* () {
        const ret = yield* hmm_range_register(r, hmm.mirrors[0]!, 0x10000, 0x11000);
        if (ret === 0) yield* hmm_range_unregister(r);
        else assert(ret === -EFAULT, 'the address space is gone');
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.steps.map((st) => st.op)).toEqual(expect.arrayContaining(['hmm_release', 'gpu_release', 'hlist_del_init_rcu']));
    expect(objectState(sim, 'P.mm')).toMatchObject({ mm_users: 0, freed: false }); // hmm holds mm_count
    sim.step('D');
    expect(sim.steps.at(-1)).toMatchObject({ op: 'mmget_not_zero', note: 'P.mm.mm_users is 0: not taken' });
  });

  it('the last reference to the hmm frees it: unsubscribed, its mm_count dropped', () => {
    const s = scenario('hmm_free', (k) => {
      const mm = k.mm('mm1');
      const hmm = k.hmm('hmm', mm, { variant: 'fixed', mirrors: { gpu: quick } });
      k.thread('T', function* () {
        yield* hmm_mirror_unregister(hmm.mirrors[0]!);
      });
    });
    expect(check(s).verdict).toBe('ok');
    const sim = simulate(s);
    runOut(sim, 'T');
    expect(objectState(sim, 'hmm').freed).toBe(true);
    expect(objectState(sim, 'hmm.mmu_notifier').registered).toBe(false);
    expect(objectState(sim, 'mm1.mm_count').holders).toEqual(['mm1']);
  });
});
