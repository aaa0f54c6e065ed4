/**
 * Each part of a fix, and the variant that leaves it out: every listed variant exists, fails where
 * its part says, and its shortest failure replays to the same verdict.
 */
import { describe, expect, it } from 'vitest';
import { caseIds, cases } from '../../src/cases/index.ts';
import { explore, replay, type Report } from '../../src/index.ts';

/** For the tests that explore many executions: a loaded machine may take several times longer. */
const SLOW = 60_000;

const reports = new Map<string, Report>();
function run(id: keyof typeof cases, params: Record<string, string | number>): Report {
  const key = `${id} ${JSON.stringify(params)}`;
  if (!reports.has(key)) reports.set(key, explore(cases[id].build(params)));
  return reports.get(key)!;
}

/** Explores `params`, checks the counterexample replays to the verdict, and returns what failed: length and message. */
function failure(id: keyof typeof cases, params: Record<string, string | number>): { verdict: string; length: number; message: string } {
  const r = run(id, params);
  expect(r.counterexample, `${id} ${JSON.stringify(params)}: ${r.verdict}`).toBeTruthy();
  const t = replay(cases[id].build(params), r.counterexample!.schedule);
  expect(t.outcome).toBe(r.verdict);
  return { verdict: r.verdict, length: r.counterexample!.steps.length, message: t.message };
}

describe('fix parts: every part names a variant that leaves it out, and that variant fails', () => {
  it('the cases with ablations list their parts; each part names a variant of its case', () => {
    const listed = caseIds.filter((id) => cases[id].fixParts?.length);
    expect(listed).toEqual(['cxl', 'hmm', 'intel-svm', 'vfio-pci']);
    for (const id of listed) {
      const c = cases[id];
      const ids = c.fixParts!.map((p) => p.id);
      expect(new Set(ids).size, id).toBe(ids.length);
      for (const part of c.fixParts!) {
        expect(c.variants.map((v) => v.id), `${id}: ${part.id}`).toContain(part.variant);
        expect(['buggy', 'fixed'], `${id}: ${part.id} must be an ablation`).not.toContain(part.variant);
        expect(part.label.length, `${id}: ${part.id}`).toBeGreaterThan(20);
      }
    }
  });

  it('leaving any part out fails, under the parameters the part names, and the failure replays', () => {
    for (const id of caseIds) {
      for (const part of cases[id].fixParts ?? []) {
        const params = { ...part.params, variant: part.variant };
        const f = failure(id, params);
        expect(f.verdict, `${id}: ${part.id}`).not.toBe('ok');
        // The fix itself passes under the same parameters: the failure is the missing part's.
        expect(run(id, { ...part.params, variant: 'fixed' }).verdict, `${id}: fixed with ${JSON.stringify(part.params ?? {})}`).toBe('ok');
      }
    }
  }, SLOW);
});

describe('hmm: each of the three parts of the fix', () => {
  it('without the unwind, the failed trylock leaves hmm->notifiers raised, and the driver waits for ever', () => {
    const f = failure('hmm', { variant: 'no-unwind' });
    expect(f.verdict).toBe('deadlock');
    expect(f.message).toContain('D waits in wait_event on hmm.wq until range->valid');
    // The buggy code fails the same way, in the same number of steps: the unwind is what cures scenario A.
    expect(f.length).toBe(run('hmm', { variant: 'buggy' }).counterexample!.steps.length);
    // Scenario A never reaches a mirror, so the -EAGAIN part plays no role in it.
    expect(run('hmm', { variant: 'no-eagain' }).verdict).toBe('ok');
  }, SLOW);

  it("without the -EAGAIN, the start returns 0 and the GPU reads a page being invalidated (bug 'eagain' only)", () => {
    const f = failure('hmm', { variant: 'no-eagain', bug: 'eagain' });
    expect(f.verdict).toBe('violation');
    expect(f.message).toMatch(/^D touched 0x10000 through hmm\.mmu_notifier while M \[0x10000, 0x11000\) is being invalidated/);
    for (const bug of ['notifiers', 'end']) expect(run('hmm', { variant: 'no-eagain', bug }).verdict, bug).toBe('ok');
  }, SLOW);

  it('without the spinlock, the unwind itself calls mutex_lock in the non-blockable start, and the end sleeps too', () => {
    const a = failure('hmm', { variant: 'no-spinlock' });
    expect(a.verdict).toBe('violation');
    expect(a.message).toBe('BUG: sleeping function called from invalid context: R calls mutex_lock(hmm.lock) in the non-blockable invalidate_range_start of hmm.mmu_notifier');
    const c = failure('hmm', { variant: 'no-spinlock', bug: 'end' });
    expect(c.message).toContain('R calls mutex_lock(hmm.lock) in the invalidate_range_end of hmm.mmu_notifier that ends a non-blockable start');
    // The leaked count does not come back: the unwind is there, it only sleeps.
    const r = replay(cases.hmm.build({ variant: 'no-spinlock' }), run('hmm', { variant: 'no-spinlock' }).counterexample!.schedule);
    expect(r.steps.at(-1)).toMatchObject({ thread: 'R', op: 'mutex_lock' });
  }, SLOW);
});

describe('intel-svm: the mm_count part is the fix proper', () => {
  it('with the binding still holding mm_users, the fixed ->release and fault check change nothing: the same leak cycle', () => {
    const f = failure('intel-svm', { variant: 'no-mm-count' });
    expect(f.verdict).toBe('leak');
    expect(f.message).toContain('which holds P.mm (mm_users, taken in get_task_mm by P');
    expect(f.message).toContain('a reference cycle');
    // The exploration is complete, and the other two parts are there: PRQ takes mm_users before it
    // faults, and the exited process never reaches exit_mmap, so ->release never runs.
    const r = run('intel-svm', { variant: 'no-mm-count' });
    expect(r.complete).toBe(true);
    const ops = r.counterexample!.steps.map((s) => s.op);
    expect(ops).toContain('atomic_inc_not_zero');
    expect(ops).not.toContain('exit_mmap');
    // Its shortest leak is the buggy code's plus PRQ's own mm_users reference around the fault.
    const prq = r.counterexample!.steps.filter((s) => s.thread === 'PRQ' && (s.op === 'atomic_inc_not_zero' || s.op === 'mmput')).length;
    expect(prq).toBe(2);
    expect(f.length).toBe(run('intel-svm', { variant: 'buggy' }).counterexample!.steps.length + prq);
    expect(run('intel-svm', { variant: 'fixed' }).complete).toBe(true);
  }, SLOW);
});

describe('cxl: the fix relies on the device retrying', () => {
  it('without the retry, a page T3 remapped after T1 faulted it in stays missed: a violation, not a deadlock', () => {
    const f = failure('cxl', { variant: 'no-retry' });
    expect(f.verdict).toBe('violation');
    expect(f.message).toMatch(/^The accelerator accel never completed its access to 0x/);
    const r = run('cxl', { variant: 'no-retry' });
    const threads = new Set(r.counterexample!.steps.map((s) => s.thread));
    expect(threads).toContain('T3');
    // Without T3 nothing is missed: the failure needs the address space to change while T1 walks it.
    expect(run('cxl', { variant: 'no-retry', remap: 'off' }).verdict).toBe('ok');
    expect(run('cxl', { variant: 'fixed', remap: 'on' }).verdict).toBe('ok');
  }, SLOW);
});

describe('userfaultfd: N processes in a ring', () => {
  it('two processes: the ring of two is the embrace of the patch comment, buggy deadlocks and fixed is ok', () => {
    const f = failure('userfaultfd', { variant: 'buggy', processes: 2 });
    expect(f.verdict).toBe('deadlock');
    expect(f.message).toMatch(/^Deadlock: A1, A2, B1 and B2 can never run again/);
    expect(run('userfaultfd', { variant: 'fixed', processes: 2 }).verdict).toBe('ok');
  }, SLOW);

  it('three processes: each handler serves the next one\'s userfaultfd, and all six threads block (bounded by executions)', () => {
    const s = cases.userfaultfd.build({ variant: 'buggy', processes: 3 });
    expect(s.name).toBe('userfaultfd buggy (ring of 3 processes, 1 page, phase-fair)');
    const r = explore(s, { maxExecutions: 10_000 });
    expect(r.verdict).toBe('deadlock');
    const t = replay(s, r.counterexample!.schedule);
    expect(t.outcome).toBe('deadlock');
    expect(t.message).toMatch(/^Deadlock: A1, A2, B1, B2, C1 and C2 can never run again/);
    // The ring closes: C1 holds mm_A (it serves A's userfaultfd), and A2's mmap waits for it.
    expect(t.message).toContain("A2 waits in down_write on mm_A.mmap_lock held for read by C1");
    expect(t.message).toContain("B2 waits in down_write on mm_B.mmap_lock held for read by A1");
  }, SLOW);

  it('three processes, fixed: no failure within 3000 executions (the search is incomplete, not a proof)', () => {
    const r = explore(cases.userfaultfd.build({ variant: 'fixed', processes: 3 }), { maxExecutions: 3_000 });
    expect(r.counterexample).toBeUndefined();
    expect(r.verdict).toBe('incomplete');
  }, SLOW);

  it('the one-process form has no ring: the processes parameter does not change its scenario', () => {
    expect(cases.userfaultfd.build({ form: 'one-process', processes: 3 }).name).toBe(cases.userfaultfd.build({ form: 'one-process' }).name);
  });
});
