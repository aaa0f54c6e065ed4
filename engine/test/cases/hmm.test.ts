import { describe, expect, it } from 'vitest';
import { hmm } from '../../src/cases/hmm/index.ts';
import { buildHmm, type HmmBug, type HmmParams } from '../../src/cases/hmm/build.ts';
import { listings } from '../../src/cases/hmm/listing.ts';
import { HmmMirrorGpu, driver_populate_range, gpu_read, gpu_sync_cpu_device_pagetables } from '../../src/devices/hmm-mirror.ts';
import {
  PAGE_SIZE, do_munmap, down_write, explore, mutex_lock, mutex_unlock, replay, scenario, simulate, unmap_page_range, up_write,
  type Report, type Scenario, type Step, type WorldSnapshot,
} from '../../src/index.ts';
import type { ExploreOptions } from '../../src/core/explorer.ts';
import { check, checkBounded, objectState, runOut, runThrough } from '../mm/support.ts';

const POLICIES = ['fifo', 'phase-fair', 'reader-preferring'] as const;
/** For the tests that explore many executions: a loaded machine may take several times longer. */
const SLOW = 60_000;
const BUGS: HmmBug[] = ['notifiers', 'eagain', 'end'];

const text = (variant: 'buggy' | 'fixed', line: number | undefined): string => listings[variant].text.split('\n')[line! - 1]!.trim();
const fnAt = (variant: 'buggy' | 'fixed', line: number | undefined): string | undefined => listings[variant].functions.find((f) => f.start <= line! && line! <= f.end)?.name;
const stepsOf = (r: Report, thread: string): Step[] => r.counterexample!.steps.filter((s) => s.thread === thread);
const indexOf = (r: Report, pred: (s: Step) => boolean): number => r.counterexample!.steps.findIndex(pred);
const obj = (snap: WorldSnapshot, name: string): Record<string, unknown> => snap.objects.find((o) => o.name === name)!;

/** A final state without step numbers, which differ between equivalent orders of the same steps. */
const normal = (verdict: string, snap: WorldSnapshot): string => `${verdict} ${JSON.stringify(snap).replace(/step \d+/g, 'step #')}`;

function ends(s: Scenario, options: ExploreOptions): { report: Report; finals: Set<string> } {
  const finals = new Set<string>();
  const report = explore(s, { stateCache: false, ...options, onExecution: (e) => void (e.verdict !== 'redundant' && finals.add(normal(e.verdict, e.snapshot()))) });
  return { report, finals };
}

const reports = new Map<string, Report>();
/** Explores the case at `params` once per test run. */
function run(params: Record<string, string | number> = {}): Report {
  const key = JSON.stringify(params);
  if (!reports.has(key)) reports.set(key, explore(hmm.build(params)));
  return reports.get(key)!;
}

describe('hmm: the case object', () => {
  it('has its variants with their verdicts, its parameters, listings and the citation', () => {
    expect(hmm.id).toBe('hmm');
    expect(hmm.variants.map((v) => [v.id, v.expected])).toEqual([
      ['buggy', 'deadlock'], ['fixed', 'ok'], ['no-unwind', 'deadlock'], ['no-eagain', 'ok'], ['no-spinlock', 'violation'], ['valid-window', 'violation'], ['seq-retry', 'ok'],
    ]);
    expect(hmm.params.map((p) => [p.name, p.default])).toEqual([['bug', 'notifiers'], ['ranges', 1], ['policy', 'fifo']]);
    expect(hmm.params.find((p) => p.name === 'policy')!.values).toEqual([...POLICIES]);
    expect(hmm.params.find((p) => p.name === 'bug')!.values).toEqual(BUGS);
    expect(Object.keys(hmm.listings)).toEqual(['buggy', 'fixed', 'no-unwind', 'no-eagain', 'no-spinlock', 'valid-window', 'seq-retry']);
    expect(hmm.upstream).toMatchObject({ subject: 'mm/hmm: Fix error flows in hmm_invalidate_range_start', author: 'Jason Gunthorpe', commit: '5a136b4ae327e7f6be9c984a010df8d7ea5a4f83' });
    const unverified = hmm.upstream.unverified!.join('\n');
    expect(unverified).toContain('v5.3-rc1');
    expect(unverified).toContain('Derivation');
    expect(unverified).toContain('Staging');
  });

  it('each verdict at default parameters is the expected one', () => {
    for (const v of hmm.variants) expect(run({ variant: v.id }).verdict, v.id).toBe(v.expected);
  }, SLOW);

  it('bad parameters are clear Errors', () => {
    expect(() => hmm.build({ bug: 'both' })).toThrow("hmm: parameter 'bug' must be one of notifiers, eagain, end, got 'both'");
    expect(() => hmm.build({ ranges: 0 })).toThrow("hmm: parameter 'ranges' must be an integer from 1 to 3, got 0");
    expect(() => hmm.build({ policy: 'lifo' })).toThrow("hmm: parameter 'policy' must be one of fifo, phase-fair, reader-preferring, got 'lifo'");
    expect(() => hmm.build({ variant: 'v5.3' })).toThrow("hmm: unknown variant 'v5.3' (variants: buggy, fixed, no-unwind, no-eagain, no-spinlock, valid-window, seq-retry)");
    expect(() => hmm.build({ threads: 2 })).toThrow("hmm: unknown parameter 'threads' (parameters: bug, ranges, policy)");
  });

  it('the listings differ only in hmm\'s callbacks: a mutex before, a spinlock and notifiers_decrement after', () => {
    const names = (v: 'buggy' | 'fixed') => listings[v].functions.map((f) => f.name);
    expect(names('fixed')).toEqual(['notifiers_decrement', ...names('buggy')]);
    expect(listings.buggy.text).toContain('mutex_trylock(&hmm->lock)');
    expect(listings.buggy.text).not.toContain('ranges_lock');
    expect(listings.fixed.text).toContain('spin_lock_irqsave(&hmm->ranges_lock, flags)');
    expect(listings.fixed.text).not.toContain('mutex_trylock(&hmm->lock)');
    const around = (v: 'buggy' | 'fixed') => listings[v].text.slice(listings[v].text.indexOf('/* R: the OOM reaper'));
    expect(around('buggy')).toBe(around('fixed'));
    expect(listings.buggy.text).not.toMatch(/\/\/@/);
  });
});

describe('hmm: scenario A, the leaked notifiers count (bug=notifiers)', () => {
  it('before the fix: D waits in hmm_range_wait_until_valid for ever, with notifiers stuck at 1', () => {
    const r = run({ variant: 'buggy' });
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: D can never run again; D waits in wait_event on hmm.wq until range->valid.');
    expect(r.complete).toBe(true);

    // D's last step: it sleeps in hmm_range_wait_until_valid on hmm.wq, for the range.
    const d = stepsOf(r, 'D');
    expect(d.at(-1)).toMatchObject({ op: 'wait_event', target: 'hmm.wq', blocked: true, note: 'sleeps until range->valid' });
    expect(text('buggy', d.at(-1)!.line)).toMatch(/^hmm_range_wait_until_valid\(range/);

    // R raises the count, fails to trylock mirrors_sem (U holds it for write) and returns -EAGAIN with the count raised.
    const steps = r.counterexample!.steps;
    const inc = indexOf(r, (s) => s.thread === 'R' && s.op === 'hmm_invalidate_range_start');
    const trylock = indexOf(r, (s) => s.thread === 'R' && s.op === 'down_read_trylock' && s.target === 'hmm.mirrors_sem');
    const refused = indexOf(r, (s) => s.thread === 'R' && s.op === 'invalidate_range_start' && s.target === 'hmm.mmu_notifier');
    expect(steps[inc]!.note).toMatch(/^hmm\.notifiers = 1/);
    expect(steps[trylock]!.note).toBe('failed: held for write by U');
    expect(steps[refused]!.note).toMatch(/returned -EAGAIN/);
    expect(inc).toBeLessThan(trylock);
    expect(trylock).toBeLessThan(refused);
    expect(text('buggy', steps[trylock]!.line)).toBe('else if (!down_read_trylock(&hmm->mirrors_sem)) {');
    expect(fnAt('buggy', steps[trylock]!.line)).toBe('hmm_invalidate_range_start');
    // ... and, as the contract says, calls no invalidate_range_end; nothing ever lowers the count.
    expect(steps.some((s) => /invalidate_range_end|notifiers_decrement/.test(s.op))).toBe(false);
    // U took mirrors_sem for write before R's trylock and let it go only after R was done.
    const downWrite = indexOf(r, (s) => s.thread === 'U' && s.op === 'down_write');
    const upWrite = indexOf(r, (s) => s.thread === 'U' && s.op === 'up_write');
    expect(downWrite).toBeLessThan(trylock);
    expect(upWrite).toBeGreaterThan(indexOf(r, (s) => s.thread === 'R' && s.op === 'set_bit'));
  });

  it('before the fix: the final state, replayed, has notifiers 1, the range invalid, D asleep on hmm.wq and the others done', () => {
    const r = run({ variant: 'buggy' });
    const t = replay(hmm.build({ variant: 'buggy' }), r.counterexample!.schedule);
    expect(t.outcome).toBe('deadlock');
    const last = t.states.at(-1)!;
    expect(obj(last, 'hmm')).toMatchObject({ notifiers: 1, ranges: ['range'] });
    expect(obj(last, 'range')).toMatchObject({ valid: false });
    expect(last.threads.map((th) => [th.name, th.status])).toEqual([['D', 'waiting'], ['U', 'done'], ['R', 'done']]);
    expect(last.threads[0]!.waiting).toMatchObject({ op: 'wait_event', object: 'hmm.wq', text: 'until range->valid' });
    expect(obj(last, 'hmm.mirrors_sem').summary).toBe('free');
    // Once R's start raised it, the count never comes down again.
    const inc = t.steps.findIndex((s) => s.thread === 'R' && s.op === 'hmm_invalidate_range_start');
    for (const state of t.states.slice(inc + 1)) expect(obj(state, 'hmm').notifiers).toBe(1);
  });

  it('after the fix: the failed trylock lowers the count again, the range is valid again and D goes on', () => {
    const r = run({ variant: 'fixed' });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    // The same order of events as the buggy counterexample: U holds mirrors_sem, R runs, then D.
    const sim = simulate(hmm.build({ variant: 'fixed' }));
    runThrough(sim, 'U', 'out_of_memory');
    runOut(sim, 'R');
    expect(objectState(sim, 'hmm').notifiers).toBe(0);
    const ops = sim.steps.filter((s) => s.thread === 'R').map((s) => s.op);
    expect(ops).toContain('notifiers_decrement');
    expect(ops).not.toContain('mmu_notifier_invalidate_range_end');
    expect(sim.steps.find((s) => s.op === 'invalidate_range_start')!.note).toMatch(/returned -EAGAIN/);
    runOut(sim, 'D');
    runOut(sim, 'U');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(objectState(sim, 'range').valid).toBe(true);
  });

  it("with the range registered first (the script's order), the fix wakes D out of hmm_range_wait_until_valid", () => {
    const sim = simulate(hmm.build({ variant: 'fixed' }));
    runThrough(sim, 'D', 'spin_unlock_irqrestore'); // registered, valid
    expect(objectState(sim, 'range').valid).toBe(true);
    runThrough(sim, 'U', 'out_of_memory');
    runThrough(sim, 'R', 'hmm_invalidate_range_start');
    expect(objectState(sim, 'range').valid).toBe(false);
    sim.step('D');
    expect(sim.whyNot('D')).toBe('D waits in wait_event on hmm.wq until range->valid');
    runThrough(sim, 'R', 'wake_up_all'); // notifiers_decrement: valid again, the waiters woken
    expect(objectState(sim, 'hmm').notifiers).toBe(0);
    expect(objectState(sim, 'range').valid).toBe(true);
    expect(sim.runnable()).toContain('D');
  });
});

describe('hmm: scenario B, the swallowed -EAGAIN (bug=eagain)', () => {
  it('before the fix: the mirror says -EAGAIN, the start returns 0, and the GPU then reads the page', () => {
    const r = run({ variant: 'buggy', bug: 'eagain' });
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.rule).toBe('mmu-notifier');
    expect(r.message).toMatch(/^D touched 0x10000 through hmm\.mmu_notifier while M \[0x10000, 0x11000\) is being invalidated \(its invalidate_range_start returned 0 at step \d+, to R\)/);
    const steps = r.counterexample!.steps;
    // The violating step is the device's access, through its page table.
    expect(steps.at(-1)).toMatchObject({ thread: 'D', op: 'device_access', target: 'hmm.mmu_notifier' });
    expect(steps.at(-1)!.violation).toBe(r.message);
    expect(text('buggy', steps.at(-1)!.line)).toBe('if (!gpu_walk_and_load(gpu, addr))');
    expect(fnAt('buggy', steps.at(-1)!.line)).toBe('gpu_read');
    // The mirror said -EAGAIN; hmm's start still returned 0 to the reaper.
    const sync = indexOf(r, (s) => s.thread === 'R' && s.op === 'sync_cpu_device_pagetables');
    const accepted = indexOf(r, (s) => s.thread === 'R' && s.op === 'invalidate_range_start');
    expect(steps[sync]!.note).toBe('gpu returns -EAGAIN: clearing [0x10000, 0x11000) needs gpu.mutex, which may sleep');
    expect(steps[sync]!.stack![steps[sync]!.stack!.length - 2]).toBe(listings.buggy.labels.get('S.sync'));
    expect(steps[accepted]!.note).toMatch(/^hmm\.mmu_notifier returned 0/);
    expect(sync).toBeLessThan(accepted);
    expect(accepted).toBeLessThan(steps.length - 1);
  });

  it('after the fix: the -EAGAIN reaches the reaper, which leaves the VMA alone; the GPU reads a page still mapped', () => {
    expect(run({ variant: 'fixed', bug: 'eagain' }).verdict).toBe('ok');
    const sim = simulate(hmm.build({ variant: 'fixed', bug: 'eagain' }));
    runOut(sim, 'R');
    const ops = sim.steps.map((s) => s.op);
    expect(ops).toContain('notifiers_decrement');
    expect(ops).not.toContain('unmap_page_range');
    expect(ops).not.toContain('mmu_notifier_invalidate_range_end');
    expect(objectState(sim, 'hmm').notifiers).toBe(0);
    runOut(sim, 'D');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.at(-1)).toMatchObject({ thread: 'D', op: 'device_access', note: 'gpu reads 0x10000' });
  });
});

describe('hmm: scenario C, the third defect (bug=end)', () => {
  it('before the fix: after a non-blocking start that succeeds, invalidate_range_end sleeps on the mutex', () => {
    const r = run({ variant: 'buggy', bug: 'end' });
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.rule).toBe('sleep-in-atomic');
    expect(r.message).toBe('BUG: sleeping function called from invalid context: R calls mutex_lock(hmm.lock) in the invalidate_range_end of hmm.mmu_notifier that ends a non-blockable start');
    const last = r.counterexample!.steps.at(-1)!;
    expect(text('buggy', last.line)).toMatch(/^mutex_lock\(&hmm->lock\);/);
    expect(fnAt('buggy', last.line)).toBe('hmm_invalidate_range_end');
  });

  it('after the fix: the end takes the spinlock and the reaper unmaps the VMA', () => {
    const r = run({ variant: 'fixed', bug: 'end' });
    expect(r.verdict).toBe('ok');
    const s = hmm.build({ variant: 'fixed', bug: 'end' });
    const t = replay(s, scheduleOf(s));
    expect(t.steps.map((s) => s.op)).toEqual(expect.arrayContaining(['unmap_page_range', 'notifiers_decrement', 'spin_lock_irqsave']));
    expect(obj(t.states.at(-1)!, 'M.pgd').present).toEqual([]);
  });
});

/** The one schedule of a one-thread scenario. */
function scheduleOf(s: Scenario): string {
  const sim = simulate(s);
  runOut(sim, sim.threadNames[0]!);
  return sim.schedule;
}

describe('hmm: scenario D, the snapshot window of range->valid and the v5.5 sequence count', () => {
  const at = (r: Report, thread: string, op: string, note?: RegExp): number =>
    indexOf(r, (s) => s.thread === thread && s.op === op && (!note || note.test(s.note ?? '')));

  it('valid-window: reclaim invalidates and ends between the snapshot and the check; range->valid is true again, and the GPU reads an unmapped page', () => {
    const r = run({ variant: 'valid-window' });
    expect(r.verdict).toBe('violation');
    expect(r.complete).toBe(true);
    expect(r.message).toBe("D read 0x10000 through gpu's page table after the page was unmapped from M: the device uses a page that may already be freed");
    const t = replay(hmm.build({ variant: 'valid-window' }), r.counterexample!.schedule);
    expect([t.outcome, t.message]).toEqual([r.verdict, r.message]);
    // The order of the window: D's snapshot, K's whole invalidation, D's check (valid), D maps, the GPU reads.
    const order = [
      at(r, 'D', 'hmm_range_snapshot', /maps 0x10000/),
      at(r, 'K', 'hmm_invalidate_range_start', /range not valid/),
      at(r, 'K', 'unmap_page_range'),
      at(r, 'K', 'notifiers_decrement', /range valid again/),
      at(r, 'D', 'hmm_range_valid', /range is valid/),
      at(r, 'D', 'gpu_map', /maps 0x10000/),
      r.counterexample!.steps.length - 1,
    ];
    for (const i of order) expect(i).toBeGreaterThanOrEqual(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.counterexample!.steps.at(-1)).toMatchObject({ thread: 'D', op: 'device_access' });
  }, SLOW);

  it('seq-retry: every interleaving is ok; in the window, the check sees the changed seq and the driver reads again', () => {
    const r = run({ variant: 'seq-retry' });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.counterexample).toBeUndefined();
    // The window's order by hand: D reads, K invalidates and ends, then D checks.
    const sim = simulate(hmm.build({ variant: 'seq-retry' }));
    runThrough(sim, 'D', 'hmm_range_fault');
    runOut(sim, 'K');
    runThrough(sim, 'D', 'mmu_interval_read_retry');
    expect(sim.steps.at(-1)!.note).toMatch(/^seq 1 is now 3: invalidated since, retry$/);
    runOut(sim, 'D');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.filter((s) => s.op === 'mmu_interval_read_begin').length).toBe(2);
    expect(sim.steps.find((s) => s.op === 'gpu_map')!.note).toBe('gpu maps nothing');
    expect(sim.steps.at(-1)).toMatchObject({ thread: 'D', op: 'device_access', note: 'gpu has no entry for 0x10000: a device fault' });
  }, SLOW);

  it('both: every step carries a line of its listing, each thread shows its functions, and brute force within two preemptions agrees', () => {
    for (const variant of ['valid-window', 'seq-retry'] as const) {
      const s = hmm.build({ variant });
      const names = listings[variant].functions.map((f) => f.name);
      for (const t of s.instantiate().threads) for (const fn of t.options.code!) expect(names, `${variant} ${t.name}: ${fn}`).toContain(fn);
      let unlined = 0;
      explore(s, {
        maxExecutions: 200,
        onExecution: (e) => {
          if (e.verdict === 'redundant') return;
          for (const st of replay(s, e.schedule).steps) if (st.line === undefined) unlined++;
        },
      });
      expect(unlined, variant).toBe(0);
      const full = checkBounded(s, 2);
      expect(full.verdict, variant).toBe(variant === 'seq-retry' ? 'ok' : 'violation');
      // Brute force within two preemptions finds no shorter failure than the reduced search's shortest.
      const brute = explore(s, { preemptionBound: 2, reduction: 'none' });
      expect(brute.counterexample?.steps.length, variant).toBe(full.counterexample?.steps.length);
    }
  }, SLOW);
});

describe('hmm: every counterexample', () => {
  const failing: Record<string, string | number>[] = [
    { variant: 'buggy' },
    { variant: 'buggy', bug: 'eagain' },
    { variant: 'buggy', bug: 'end' },
    { variant: 'buggy', ranges: 2 },
    { variant: 'buggy', bug: 'eagain', ranges: 3, policy: 'phase-fair' },
  ];
  for (const params of failing) {
    it(`replays to itself and carries a listing line on every step: ${JSON.stringify(params)}`, () => {
      const r = run(params);
      const t = replay(hmm.build(params), r.counterexample!.schedule);
      expect(t.outcome).toBe(r.verdict);
      expect(t.message).toBe(r.message);
      expect(t.steps).toEqual(r.counterexample!.steps);
      for (const s of t.steps) {
        expect(s.line, `${s.thread} ${s.op}`).toBeTypeOf('number');
        expect(text('buggy', s.line).length).toBeGreaterThan(0);
      }
    });
  }

  it('every step of every other execution carries a listing line too, and each thread shows listing functions', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      for (const bug of BUGS) {
        const s = hmm.build({ variant, bug });
        const names = listings[variant].functions.map((f) => f.name);
        for (const t of s.instantiate().threads) {
          expect(t.options.code!.length, t.name).toBeGreaterThan(0);
          for (const fn of t.options.code!) expect(names, `${t.name}: ${fn}`).toContain(fn);
        }
        let unlined = 0;
        let seen = 0;
        explore(s, {
          maxExecutions: 300,
          onExecution: (e) => {
            // (a violation's execution may run on past the violation; its counterexample is checked above)
            if (e.verdict === 'redundant' || e.verdict === 'violation') return;
            seen++;
            for (const st of replay(s, e.schedule).steps) if (st.line === undefined) unlined++;
          },
        });
        expect(unlined, `${variant} ${bug}`).toBe(0);
        // (before the fix, every execution of B and C ends in a violation)
        if (variant === 'fixed' || bug === 'notifiers') expect(seen, `${variant} ${bug}`).toBeGreaterThan(0);
      }
    }
  }, SLOW);

  it('lockdep sees nothing wrong in any of them: a leaked count and a lost error are not lock-order bugs', () => {
    for (const params of failing.slice(0, 3)) expect(run(params).lockdep.warnings, JSON.stringify(params)).toEqual([]);
  });
});

describe('hmm: parameters scale the case and the verdicts hold', () => {
  it('before the fix, each bug fails as its document says for every size and policy', () => {
    const expected: Record<HmmBug, string> = { notifiers: 'deadlock', eagain: 'violation', end: 'violation' };
    for (const bug of BUGS) {
      for (const policy of POLICIES) {
        for (const ranges of bug === 'notifiers' ? [1, 2] : [1, 2, 3]) {
          const r = run({ variant: 'buggy', bug, ranges, policy });
          expect(r.verdict, `${bug} ${ranges} ${policy}`).toBe(expected[bug]);
          expect(r.complete).toBe(true);
        }
      }
    }
    // With more ranges D waits on the first, and the count is still stuck.
    const r = run({ variant: 'buggy', ranges: 2 });
    expect(r.message).toBe('Deadlock: D can never run again; D waits in wait_event on hmm.wq until range1->valid.');
  }, SLOW);

  it('after the fix, every size and policy is ok, with every interleaving covered', () => {
    for (const bug of BUGS) {
      for (const policy of POLICIES) {
        for (const ranges of bug === 'notifiers' ? (policy === 'fifo' ? [1, 2] : [1]) : [1, 2, 3]) {
          const r = run({ variant: 'fixed', bug, ranges, policy });
          expect(r.verdict, `${bug} ${ranges} ${policy}`).toBe('ok');
          expect(r.complete).toBe(true);
        }
      }
    }
  }, SLOW);

  it('a budget that runs out says incomplete rather than ok', () => {
    const r = explore(hmm.build({ variant: 'fixed', ranges: 3 }), { maxExecutions: 50 });
    expect(r.verdict).toBe('incomplete');
    expect(r.incomplete?.bound).toBe('maxExecutions');
  });
});

describe('hmm: the footprints, checked against brute force', () => {
  it('scenarios B and C: brute force agrees on verdict, shortest length and every final state', () => {
    for (const bug of ['eagain', 'end'] as const) {
      for (const variant of ['buggy', 'fixed'] as const) {
        const r = check(hmm.build({ variant, bug }), { maxExecutions: 20_000 });
        expect(r.verdict).toBe(variant === 'fixed' ? 'ok' : 'violation');
      }
    }
    expect(check(hmm.build({ variant: 'fixed', bug: 'eagain', ranges: 2 }), { maxExecutions: 20_000 }).verdict).toBe('ok');
  }, SLOW);

  it('scenario A: brute force within two preemptions agrees on the verdict and the shortest length, and finds no final state the reduction missed', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      const s = hmm.build({ variant });
      const full = ends(s, {});
      expect(full.report.complete).toBe(true);
      const brute = ends(s, { reduction: 'none', preemptionBound: 2, maxExecutions: 20_000 });
      expect(brute.report.stats.executions).toBeLessThan(20_000);
      expect(brute.report.incomplete?.bound ?? 'none').not.toBe('maxExecutions');
      expect(brute.report.counterexample?.steps.length).toBe(full.report.counterexample?.steps.length);
      expect(brute.report.verdict).toBe(variant === 'buggy' ? 'deadlock' : 'incomplete');
      for (const f of brute.finals) expect(full.finals.has(f), f.slice(0, 200)).toBe(true);
    }
  }, SLOW);

  it("the case's listed callbacks and the engine model's agree step for step (but for the lines)", () => {
    const shape = (r: Report) => r.counterexample?.steps.map((s) => `${s.thread} ${s.op} ${s.target ?? ''}`);
    for (const bug of BUGS) {
      for (const variant of ['buggy', 'fixed'] as const) {
        const p: HmmParams = { variant, bug, ranges: 1, policy: 'fifo' };
        const mine = run({ variant, bug });
        const model = explore(buildHmm({ ...p, modelCallbacks: true }));
        expect(model.verdict, `${variant} ${bug}`).toBe(mine.verdict);
        expect(model.stats.executions).toBe(mine.stats.executions);
        expect(shape(model)).toEqual(shape(mine));
      }
    }
  }, SLOW);
});

describe('hmm mirror device', () => {
  /** The driver mirrors a page into its GPU while T unmaps it with munmap (a blockable invalidation); then the GPU reads it. */
  const munmap = (variant: 'buggy' | 'fixed') =>
    scenario(`gpu and munmap, ${variant}`, (k) => {
      const mm = k.mm('M', { lock: 'mmap_sem' });
      mm.addVma(0x10000, PAGE_SIZE, { populated: true });
      const gpu = k.object((w) => new HmmMirrorGpu(w, 'gpu'));
      const h = k.hmm('hmm', mm, { variant, mirrors: { 'gpu.mirror': gpu.ops } });
      gpu.attach(h.mirrors[0]!);
      const range = k.hmmRange('range');
      k.thread('D', function* () {
        yield* driver_populate_range(gpu, range, 0x10000, 0x11000);
        yield* gpu_read(gpu, 0x10000);
      });
      k.thread('T', function* () {
        yield* down_write(mm.mmap_lock);
        yield* do_munmap(mm, 0x10000, PAGE_SIZE);
        yield* up_write(mm.mmap_lock);
      });
    });

  it('while the driver mirrors a page, munmap clears the GPU page table: no interleaving lets the GPU read an unmapped page', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      const r = explore(munmap(variant));
      expect(r.verdict, variant).toBe('ok');
      expect(r.complete).toBe(true);
    }
    // The driver first: the page is mirrored, then munmap's invalidation clears it, and the GPU faults.
    const sim = simulate(munmap('fixed'));
    runOut(sim, 'T');
    expect(sim.steps.map((s) => s.op)).toContain('gpu_pt_clear');
    runOut(sim, 'D');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.at(-1)).toMatchObject({ thread: 'D', op: 'device_access', note: 'gpu has no entry for 0x10000: a device fault' });
    const first = simulate(munmap('fixed'));
    runOut(first, 'D');
    expect(objectState(first, 'gpu').maps).toEqual([0x10000]);
    runOut(first, 'T');
    expect(objectState(first, 'gpu').maps).toEqual([]);
  }, SLOW);

  it('a blockable sync_cpu_device_pagetables sleeps on the GPU mutex until the driver lets it go', () => {
    const s = scenario('blocks', (k) => {
      const mm = k.mm('M');
      const gpu = k.object((w) => new HmmMirrorGpu(w, 'gpu'));
      const h = k.hmm('hmm', mm, { variant: 'fixed', mirrors: { 'gpu.mirror': gpu.ops } });
      gpu.attach(h.mirrors[0]!);
      gpu.populate([0x10000]);
      k.thread('D', function* () {
        yield* mutex_lock(gpu.mutex);
        yield* mutex_unlock(gpu.mutex);
      });
      k.thread('T', function* () {
        yield* gpu_sync_cpu_device_pagetables(gpu, { start: 0x10000, end: 0x11000, blockable: true });
      });
    });
    expect(check(s).verdict).toBe('ok');
    const sim = simulate(s);
    sim.step('D');
    sim.step('T');
    expect(sim.whyNot('T')).toBe('T waits in mutex_lock on gpu.mutex held by D');
    runOut(sim, 'D');
    runOut(sim, 'T');
    expect(objectState(sim, 'gpu').maps).toEqual([]);
  });

  it('a non-blockable update gets -EAGAIN at once; a GPU entry whose page is gone is a use of a freed page', () => {
    const s = scenario('stale entry', (k) => {
      const mm = k.mm('M');
      const vma = mm.addVma(0x10000, PAGE_SIZE, { populated: true });
      const gpu = k.object((w) => new HmmMirrorGpu(w, 'gpu'));
      const h = k.hmm('hmm', mm, { variant: 'fixed', mirrors: { 'gpu.mirror': gpu.ops } });
      gpu.attach(h.mirrors[0]!);
      gpu.populate([0x10000]);
      k.thread('X', function* () {
        const rc = yield* gpu_sync_cpu_device_pagetables(gpu, { start: 0x10000, end: 0x11000, blockable: false });
        if (rc !== -11) throw new Error(`expected -EAGAIN, got ${rc}`);
        yield* mutex_lock(gpu.mutex);
        yield* mutex_unlock(gpu.mutex);
        yield* unmap_page_range(vma, 0x10000, PAGE_SIZE); // no notifier: the GPU is not told
        yield* gpu_read(gpu, 0x10000);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.rule).toBe('use-after-free');
    expect(r.message).toBe("X read 0x10000 through gpu's page table after the page was unmapped from M: the device uses a page that may already be freed");
  });
});
