import { describe, expect, it } from 'vitest';
import { explore, replay, simulate, type ExploreOptions, type Report, type Step, type WorldSnapshot } from '../../src/index.ts';
import { userfaultfd } from '../../src/cases/userfaultfd/index.ts';
import { listings } from '../../src/cases/userfaultfd/listing.ts';
import { check, objectState, runOut, runThrough, type Sim } from '../mm/support.ts';

/**
 * The userfaultfd case (seed 3): UFFDIO_COPY copies from the caller's memory while it holds the
 * destination mm's mmap_lock for read. The four-thread embrace of the patch's comment, the
 * one-process form, the merged fix and the code before the patch.
 */

type Params = Record<string, string | number>;

/** Time for the tests that explore the four-thread form (seconds each; see the report for the numbers). */
const HEAVY = 600_000;

/** The line of `label` in the variant's listing. */
const line = (variant: string, label: string): number => {
  const n = listings[variant]!.labels.get(label);
  if (n === undefined) throw new Error(`no label ${label} in the ${variant} listing`);
  return n;
};

/** A final state without step numbers, which differ between equivalent orders of the same steps. */
const normal = (verdict: string, snap: WorldSnapshot): string => `${verdict} ${JSON.stringify(snap).replace(/step \d+/g, 'step #')}`;

interface Run {
  report: Report;
  ends: Set<string>;
}

/** Explores once per parameter set and options (the four-thread explorations take seconds), collecting final states. */
const runs = new Map<string, Run>();
function run(params: Params, options: ExploreOptions = {}): Run {
  const key = JSON.stringify([params, options]);
  let r = runs.get(key);
  if (!r) {
    const ends = new Set<string>();
    // The four-thread fixed variant takes tens of thousands of executions: give the search room, so
    // that these tests check the verdicts however loaded the machine is.
    const report = explore(userfaultfd.build(params), {
      timeBudgetMs: HEAVY,
      maxExecutions: 1_000_000,
      stateCache: false, // every execution to its end
      ...options,
      onExecution: (e) => {
        if (e.verdict !== 'redundant') ends.add(normal(e.verdict, e.snapshot()));
      },
    });
    r = { report, ends };
    runs.set(key, r);
  }
  return r;
}
const report = (params: Params, options?: ExploreOptions): Report => run(params, options).report;


const where = (s: Step) => `${s.thread} ${s.op} ${s.target}`;

/** Steps every thread, round robin, until none can run. */
function runAll(sim: Sim): void {
  for (let progress = true; progress; ) {
    progress = false;
    for (const t of sim.runnable()) {
      sim.step(t);
      progress = true;
    }
  }
}

describe('userfaultfd: the case', () => {
  it('has three variants with their expected verdicts, and the parameters of the issue', () => {
    expect(userfaultfd.variants.map((v) => [v.id, v.expected])).toEqual([
      ['buggy', 'deadlock'],
      ['fixed', 'ok'],
      ['kmap_atomic', 'ok'],
    ]);
    expect(userfaultfd.params.map((p) => [p.name, p.default])).toEqual([
      ['form', 'two-process'],
      ['pages', 1],
      ['processes', 2],
      ['policy', 'phase-fair'],
    ]);
    expect(Object.keys(userfaultfd.listings).sort()).toEqual(['buggy', 'fixed', 'kmap_atomic']);
    expect(userfaultfd.upstream).toMatchObject({ author: 'Ira Weiny', date: '2022-10-25', commit: '5521de7dddd2' });
    expect(userfaultfd.upstream.unverified!.some((u) => u.includes('derivation'))).toBe(true);
    expect(userfaultfd.build().threads).toEqual(['A1', 'A2', 'B1', 'B2']);
    expect(userfaultfd.build({ form: 'one-process' }).threads).toEqual(['T1', 'T2']);
  });

  it('the listings differ where the patch does: the copy in mcopy_atomic_pte and the fallback mapping', () => {
    const text = (v: string) => listings[v]!.text;
    const copyLine = (v: string, label: string) => text(v).split('\n')[line(v, label) - 1]!.trim();
    expect(copyLine('fixed', 'kmap')).toBe('page_kaddr = kmap_local_page(page);');
    expect(copyLine('fixed', 'pf_disable')).toBe('pagefault_disable();');
    expect(copyLine('buggy', 'kmap')).toBe('page_kaddr = kmap_local_page(page);');
    expect(text('buggy')).not.toContain('pagefault_disable');
    expect(copyLine('kmap_atomic', 'kmap')).toBe('page_kaddr = kmap_atomic(page);');
    expect(copyLine('kmap_atomic', 'fallback_kmap')).toBe('page_kaddr = kmap(page);');
    expect(copyLine('fixed', 'fallback_kmap')).toBe('page_kaddr = kmap_local_page(page);');
    for (const v of ['buggy', 'fixed', 'kmap_atomic']) {
      expect(listings[v]!.functions.map((f) => f.name)).toEqual(['handler', 'mapper', 'vm_mmap_pgoff', 'userfaultfd_copy', '__mcopy_atomic', 'mcopy_atomic_pte']);
      expect(text(v)).not.toMatch(/\/\/@/);
    }
  });

  it('bad parameters are clear Errors', () => {
    expect(() => userfaultfd.build({ pages: 0 })).toThrow("userfaultfd: parameter 'pages' must be an integer from 1 to 4, got 0");
    expect(() => userfaultfd.build({ form: 'three-process' })).toThrow("userfaultfd: parameter 'form' must be one of two-process, one-process, got 'three-process'");
    expect(() => userfaultfd.build({ policy: 'rcu' })).toThrow("parameter 'policy' must be one of fifo, phase-fair, reader-preferring");
    expect(() => userfaultfd.build({ variant: 'v6.3' })).toThrow("userfaultfd: unknown variant 'v6.3' (variants: buggy, fixed, kmap_atomic)");
    expect(() => userfaultfd.build({ threads: 3 })).toThrow("userfaultfd: unknown parameter 'threads' (parameters: form, pages, processes, policy)");
  });
});

describe('userfaultfd buggy, two processes: the deadly embrace of four threads', () => {
  it('deadlocks, and the shortest counterexample has the shape of the patch comment', () => {
    const r = report({ variant: 'buggy' });
    expect(r.verdict).toBe('deadlock');
    expect(r.complete).toBe(true);
    expect(r.message).toBe(
      "Deadlock: A1, A2, B1 and B2 can never run again; A1 waits in down_read on mm_A.mmap_lock queued behind A2's down_write; " +
        "A2 waits in down_write on mm_A.mmap_lock held for read by B1; B1 waits in down_read on mm_B.mmap_lock queued behind B2's down_write; " +
        'B2 waits in down_write on mm_B.mmap_lock held for read by A1.',
    );
    const steps = r.counterexample!.steps;
    expect(steps).toHaveLength(16);
    const at = (w: string) => steps.findIndex((s) => where(s) === w);
    // Each handler takes the OTHER process's mmap_lock for read, as dst_mm of its UFFDIO_COPY.
    expect(steps[at('A1 down_read mm_B.mmap_lock')]).toMatchObject({ blocked: false, line: line('buggy', 'dst_lock') });
    expect(steps[at('B1 down_read mm_A.mmap_lock')]).toMatchObject({ blocked: false, line: line('buggy', 'dst_lock') });
    // Each mmap() queues behind the other process's handler.
    expect(at('B2 down_write mm_B.mmap_lock')).toBeGreaterThan(at('A1 down_read mm_B.mmap_lock'));
    expect(at('A2 down_write mm_A.mmap_lock')).toBeGreaterThan(at('B1 down_read mm_A.mmap_lock'));
    // Each handler's copy faults on its own buffer, and the fault's read queues behind its own process's mmap().
    const blocked = steps.filter((s) => s.blocked).map(where);
    expect(blocked.sort()).toEqual(['A1 down_read mm_A.mmap_lock', 'A2 down_write mm_A.mmap_lock', 'B1 down_read mm_B.mmap_lock', 'B2 down_write mm_B.mmap_lock']);
    expect(at('A1 down_read mm_A.mmap_lock')).toBeGreaterThan(at('A2 down_write mm_A.mmap_lock'));
    expect(at('B1 down_read mm_B.mmap_lock')).toBeGreaterThan(at('B2 down_write mm_B.mmap_lock'));
    for (const h of ['A1', 'B1']) {
      const own = h === 'A1' ? 'mm_A' : 'mm_B';
      const fault = steps.find((s) => s.thread === h && s.op === 'copy_from_user')!;
      expect(fault).toMatchObject({ target: `${own}.pgd`, line: line('buggy', 'copy'), note: '0x10000 is not mapped: page fault' });
      const stuck = steps.find((s) => s.thread === h && s.blocked)!;
      expect(stuck.stack).toEqual(['ioctl', 'mcopy', 'mfill', 'copy'].map((l) => line('buggy', l)));
      expect(stuck.note).toBe(`waits: queued behind ${h === 'A1' ? 'A2' : 'B2'}'s down_write`);
    }
    for (const m of ['A2', 'B2']) {
      const stuck = steps.find((s) => s.thread === m && s.blocked)!;
      expect(stuck.stack).toEqual([line('buggy', 'mmap'), line('buggy', 'mmap_write_lock')]);
    }
  }, HEAVY);

  it('ends with all four threads blocked in a cycle A1 → A2 → B1 → B2 → A1, each handler holding the other mm', () => {
    const r = report({ variant: 'buggy' });
    const trace = replay(userfaultfd.build({ variant: 'buggy' }), r.counterexample!.schedule);
    expect(trace.outcome).toBe('deadlock');
    const end = trace.states[trace.states.length - 1]!;
    const threads = Object.fromEntries(end.threads.map((t) => [t.name, t]));
    expect(Object.values(threads).map((t) => t.status)).toEqual(['waiting', 'waiting', 'waiting', 'waiting']);
    expect(threads.A1!.holds).toEqual([{ lock: 'mm_B.mmap_lock', mode: 'read' }]);
    expect(threads.B1!.holds).toEqual([{ lock: 'mm_A.mmap_lock', mode: 'read' }]);
    expect(threads.A2!.holds).toEqual([]);
    expect(threads.B2!.holds).toEqual([]);
    expect(Object.fromEntries(Object.entries(threads).map(([n, t]) => [n, [t.waiting!.object, t.waiting!.blockers]]))).toEqual({
      A1: ['mm_A.mmap_lock', ['A2']],
      A2: ['mm_A.mmap_lock', ['B1']],
      B1: ['mm_B.mmap_lock', ['B2']],
      B2: ['mm_B.mmap_lock', ['A1']],
    });
    const sem = (name: string) => end.objects.find((o) => o.name === name)!;
    expect(sem('mm_A.mmap_lock').summary).toBe('read-held by B1; queue: A2 (write), A1 (read)');
    expect(sem('mm_B.mmap_lock').summary).toBe('read-held by A1; queue: B2 (write), B1 (read)');
    // The userfaultfds crossed over: each process has the other's open.
    expect(sem('A.files').open).toEqual(['uffd_A', 'uffd_B']);
    expect(sem('uffd_B.ctx').summary).toBe('ctx->mm mm_B; registered [0x40000, 0x41000); passed to A');
  }, HEAVY);

  it('every step of the counterexample carries a listing line, and the schedule replays to itself', () => {
    for (const policy of ['fifo', 'phase-fair']) {
      const r = report({ variant: 'buggy', policy });
      expect(r.verdict).toBe('deadlock');
      for (const s of r.counterexample!.steps) expect(s.line, `${s.index} ${where(s)}`).toBeGreaterThan(0);
      expect(replay(userfaultfd.build({ variant: 'buggy', policy }), r.counterexample!.schedule).outcome).toBe('deadlock');
    }
  }, HEAVY);

  it('lockdep reports the nesting of two mms\' mmap_locks (one class) as recursive locking, from might_fault', () => {
    const { lockdep } = report({ variant: 'buggy' });
    expect(lockdep.warnings).toHaveLength(1);
    const w = lockdep.warnings[0]!;
    expect(w).toMatchObject({ kind: 'recursive', title: 'possible recursive locking detected', classes: ['mmap_lock'] });
    expect(w.chain[0]).toMatchObject({
      from: 'mmap_lock',
      to: 'mmap_lock',
      fromMode: 'read',
      toMode: 'read',
      fromAt: `down_read in __mcopy_atomic, line ${line('buggy', 'dst_lock')}`,
      toAt: `might_fault in mcopy_atomic_pte, line ${line('buggy', 'copy')}`,
    });
    expect(['A1', 'B1']).toContain(w.chain[0]!.thread);
    expect(w.text).toContain('WARNING: possible recursive locking detected');
  }, HEAVY);

  it("under 'reader-preferring' (not Linux) the fault's read joins the other handler's: no deadlock, but lockdep still warns", () => {
    const r = report({ variant: 'buggy', policy: 'reader-preferring' });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
  }, HEAVY);

  it('the reduction agrees with brute force (bounded to one preemption) on the verdict, the shortest length and the final states', () => {
    const full = run({ variant: 'buggy' });
    const brute = run({ variant: 'buggy' }, { reduction: 'none', preemptionBound: 1 });
    expect(brute.report.verdict).toBe('deadlock');
    expect(brute.report.counterexample!.steps).toHaveLength(full.report.counterexample!.steps.length);
    // Every final state brute force reaches, the full reduced search reaches too.
    for (const e of brute.ends) expect(full.ends.has(e), e.slice(0, 300)).toBe(true);
  }, HEAVY);
});

describe('userfaultfd buggy, one process: the recursive read of seed 1', () => {
  it('T1 holds its own mm for read, T2 queues for write, and the fault in the copy queues behind T2', () => {
    const r = check(userfaultfd.build({ variant: 'buggy', form: 'one-process' }));
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe(
      "Deadlock: T1 and T2 can never run again; T1 waits in down_read on mm_P.mmap_lock queued behind T2's down_write; T2 waits in down_write on mm_P.mmap_lock held for read by T1.",
    );
    const steps = r.counterexample!.steps;
    expect(steps.map(where)).toEqual([
      'T1 mmget_not_zero mm_P.mm_users',
      'T1 down_read mm_P.mmap_lock',
      'T1 find_vma mm_P',
      'T1 kmap_local_page undefined',
      'T1 copy_from_user mm_P.pgd',
      'T2 down_write mm_P.mmap_lock',
      'T1 down_read_trylock mm_P.mmap_lock',
      'T1 down_read mm_P.mmap_lock',
    ]);
    expect(steps.filter((s) => s.blocked).map(where)).toEqual(['T2 down_write mm_P.mmap_lock', 'T1 down_read mm_P.mmap_lock']);
    expect(steps.map((s) => s.line)).toEqual(['mmget', 'dst_lock', 'find_dst_vma', 'kmap', 'copy', 'mmap_write_lock', 'copy', 'copy'].map((l) => line('buggy', l)));
    expect(replay(userfaultfd.build({ variant: 'buggy', form: 'one-process' }), r.counterexample!.schedule).outcome).toBe('deadlock');
    expect(r.lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
  });
});

describe('userfaultfd fixed: the copy under pagefault_disable() fails fast and the fallback copies outside the lock', () => {
  it('is ok with two processes, and lockdep is silent', () => {
    const r = report({ variant: 'fixed' });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.lockdep.warnings).toEqual([]);
  }, HEAVY);

  it('the reduction agrees with brute force (bounded to one preemption) on the final states', () => {
    const full = run({ variant: 'fixed' });
    const brute = run({ variant: 'fixed' }, { reduction: 'none', preemptionBound: 1 });
    expect(brute.report.counterexample).toBeUndefined();
    expect(brute.report.incomplete?.bound).toBe('preemptionBound');
    expect(brute.ends.size).toBeGreaterThan(0);
    for (const e of brute.ends) expect(full.ends.has(e), e.slice(0, 300)).toBe(true);
  }, HEAVY);

  /** The schedule of the embrace, up to the copies: A1 and B1 hold each other's mm, A2 and B2 queue. */
  function embrace(variant: string): Sim {
    const sim = simulate(userfaultfd.build({ variant }));
    runThrough(sim, 'A1', 'down_read'); // mmap_read_lock(mm_B)
    sim.step('B2'); // mmap() in B queues behind A1
    runThrough(sim, 'B1', 'down_read'); // mmap_read_lock(mm_A)
    sim.step('A2'); // mmap() in A queues behind B1
    expect(sim.runnable()).toEqual(['A1', 'B1']);
    return sim;
  }

  it('in the embrace schedule the copy fails with no lock taken, the lock is dropped, the copy succeeds outside it, and the retry installs the page', () => {
    const sim = embrace('fixed');
    runOut(sim, 'A1');
    runAll(sim);
    expect(sim.outcome).toEqual({ verdict: 'ok', message: 'Every thread finished and every check passed.' });
    const a1 = sim.steps.filter((s) => s.thread === 'A1');
    const fast = a1.find((s) => s.op === 'copy_from_user')!;
    expect(fast).toMatchObject({ line: line('fixed', 'copy'), target: 'mm_A.pgd', note: '0x10000 is not mapped and page faults are disabled: 4096 bytes not copied, no lock taken' });
    const i = a1.indexOf(fast);
    expect(a1.slice(i + 1, i + 4).map((s) => [s.op, s.line])).toEqual([
      ['pagefault_enable', line('fixed', 'pf_enable')],
      ['kunmap_local', line('fixed', 'kunmap')],
      ['up_read', line('fixed', 'enoent_unlock')],
    ]);
    expect(a1[i + 3]!.note).toBe('granted mm_B.mmap_lock to B2 (write)');
    const fallback = a1.filter((s) => s.line === line('fixed', 'fallback_copy')).map((s) => `${s.op} ${s.target}`);
    expect(fallback[0]).toBe('copy_from_user mm_A.pgd');
    expect(fallback).toContain('handle_mm_fault mm_A.vma@0x10000');
    expect(fallback[fallback.length - 1]).toBe('copy_from_user mm_A.pgd');
    const installs = sim.steps.filter((s) => s.op === 'mfill_atomic_install_pte');
    expect(installs.map((s) => `${s.thread}: ${s.note}`).sort()).toEqual([
      'A1: installs the page at 0x40000 of mm_B, filled outside the lock',
      'B1: installs the page at 0x40000 of mm_A, filled outside the lock',
    ]);
    expect(installs.every((s) => s.line === line('fixed', 'install'))).toBe(true);
    expect(objectState(sim, 'mm_A.pgd').present).toEqual([0x10000, 0x40000]);
    expect(objectState(sim, 'mm_B.pgd').present).toEqual([0x10000, 0x40000]);
    for (const s of sim.steps) expect(s.line, `${s.index} ${where(s)}`).toBeGreaterThan(0);
  });

  it('the code before the patch (kmap_atomic) takes the same way out, with kmap() in the fallback', () => {
    const sim = embrace('kmap_atomic');
    runOut(sim, 'A1');
    runAll(sim);
    expect(sim.outcome?.verdict).toBe('ok');
    const a1 = sim.steps.filter((s) => s.thread === 'A1');
    expect(a1.find((s) => s.op === 'copy_from_user')!.note).toBe('0x10000 is not mapped and page faults are disabled: 4096 bytes not copied, no lock taken');
    expect(a1.find((s) => s.op === 'kmap_atomic')!.line).toBe(line('kmap_atomic', 'kmap'));
    expect(a1.find((s) => s.op === 'kmap')!.line).toBe(line('kmap_atomic', 'fallback_kmap'));
    expect(sim.steps.filter((s) => s.op === 'mfill_atomic_install_pte').every((s) => s.note!.endsWith('filled outside the lock'))).toBe(true);
  });

  it('the buggy variant deadlocks in the same schedule', () => {
    const sim = embrace('buggy');
    runOut(sim, 'A1');
    runOut(sim, 'B1');
    expect(sim.outcome?.verdict).toBe('deadlock');
  });

  it('with no contention the fallback still runs: the source page is missing, so the fast copy always fails', () => {
    const s = userfaultfd.build({ variant: 'fixed', form: 'one-process' });
    const r = check(s);
    expect(r.verdict).toBe('ok');
    expect(r.stats.executions).toBeGreaterThan(1);
    // Every execution explored: the page was filled outside the lock and installed by the retry.
    const schedules: string[] = [];
    explore(s, { onExecution: (e) => void (e.verdict === 'ok' && schedules.push(e.schedule)) });
    expect(schedules.length).toBeGreaterThan(1);
    for (const sched of schedules) {
      const t = replay(s, sched);
      const notes = t.steps.filter((x) => x.op === 'mfill_atomic_install_pte').map((x) => x.note);
      expect(notes).toEqual(['installs the page at 0x40000 of mm_P, filled outside the lock']);
      expect(t.lockdep.warnings).toEqual([]);
    }
  });

  it('kmap_atomic (before the patch) is ok too, with two processes and one', () => {
    const r = report({ variant: 'kmap_atomic' });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.lockdep.warnings).toEqual([]);
    expect(check(userfaultfd.build({ variant: 'kmap_atomic', form: 'one-process' })).verdict).toBe('ok');
  }, HEAVY);
});

describe('userfaultfd across parameters', () => {
  it('one process: fixed and kmap_atomic stay ok, buggy deadlocks unless reads are reader-preferring (brute force agrees)', () => {
    for (const pages of [1, 2, 3, 4]) {
      for (const policy of ['fifo', 'phase-fair', 'reader-preferring']) {
        const p = { form: 'one-process', pages, policy };
        for (const variant of ['fixed', 'kmap_atomic']) {
          const r = pages === 1 ? check(userfaultfd.build({ ...p, variant })) : explore(userfaultfd.build({ ...p, variant }));
          expect(r.verdict, `${variant} ${pages} ${policy}`).toBe('ok');
          expect(r.complete).toBe(true);
        }
        const b = pages === 1 ? check(userfaultfd.build({ ...p, variant: 'buggy' })) : explore(userfaultfd.build({ ...p, variant: 'buggy' }));
        expect(b.verdict, `buggy ${pages} ${policy}`).toBe(policy === 'reader-preferring' ? 'ok' : 'deadlock');
        if (b.verdict === 'deadlock') expect(b.counterexample!.steps).toHaveLength(8); // the first page deadlocks
      }
    }
  });

  // Exhaustive searches (every interleaving, up to reordering of independent steps): stronger than
  // a preemption bound, and with the reduction, faster than enumerating every schedule within one.
  it('two processes: the fixed variant is ok under the other policies too, in every interleaving', () => {
    for (const policy of ['fifo', 'reader-preferring']) {
      const r = report({ variant: 'fixed', policy });
      expect(r.verdict, policy).toBe('ok');
      expect(r.counterexample, policy).toBeUndefined();
    }
  }, HEAVY);

  it('two processes, two pages each: buggy still deadlocks on the first page; fixed is ok in every interleaving', () => {
    const b = report({ variant: 'buggy', pages: 2 });
    expect(b.verdict).toBe('deadlock');
    expect(b.counterexample!.steps).toHaveLength(16);
    expect(b.counterexample!.steps.filter((s) => s.blocked).map(where).sort()).toEqual([
      'A1 down_read mm_A.mmap_lock', 'A2 down_write mm_A.mmap_lock', 'B1 down_read mm_B.mmap_lock', 'B2 down_write mm_B.mmap_lock',
    ]);
    const f = report({ variant: 'fixed', pages: 2 });
    expect(f.verdict).toBe('ok');
    expect(f.counterexample).toBeUndefined();
  }, HEAVY);
});
