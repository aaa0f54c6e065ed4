import { describe, expect, it } from 'vitest';
import { cxl } from '../../src/cases/cxl/index.ts';
import { bufferLayout } from '../../src/cases/cxl/layout.ts';
import { cxlListings } from '../../src/cases/cxl/listing.ts';
import { CxlAccelerator, accel_translation_fault, type CxllibHandleFault } from '../../src/devices/cxl.ts';
import { EFAULT, explore, replay, scenario, simulate, type Report, type Scenario, type Step, type WorldSnapshot } from '../../src/index.ts';
import { check, objectState, runOut, runThrough } from '../mm/support.ts';

const { buggy: buggyListing, fixed: fixedListing } = cxlListings;

const line = (l: typeof buggyListing, label: string): number => l.labels.get(label)!;
const describeStep = (s: Step): string => `${s.thread} ${s.op} ${s.target ?? ''}${s.blocked ? ' (blocked)' : ''}`;

interface Accel {
  touch: number[];
  translated: number[];
  retries: number;
  misses: { address: number; misses: number }[];
}
const accelOf = (snap: WorldSnapshot): Accel => snap.objects.find((o) => o.name === 'accel') as unknown as Accel;

/** Explores `s` and returns the report with the accelerator's final state in every execution that ran to its end. */
function exploreAll(s: Scenario, options: Parameters<typeof explore>[1] = {}): { report: Report; ends: Accel[]; finals: Set<string> } {
  const ends: Accel[] = [];
  const finals = new Set<string>();
  const report = explore(s, {
    stateCache: false, // every execution to its end
    ...options,
    onExecution: (e) => {
      if (e.verdict === 'redundant') return;
      const snap = e.snapshot();
      if (e.verdict === 'ok') ends.push(accelOf(snap));
      finals.add(`${e.verdict} ${JSON.stringify(snap).replace(/step \d+/g, 'step #')}`);
    },
  });
  return { report, ends, finals };
}

describe('cxl: the case object', () => {
  it('has two variants with their expected verdicts, params with the era policy, listings and the citation', () => {
    expect(cxl.variants.map((v) => [v.id, v.expected])).toEqual([['buggy', 'deadlock'], ['fixed', 'ok'], ['no-retry', 'violation']]);
    const policy = cxl.params.find((p) => p.name === 'policy')!;
    expect(policy.default).toBe('fifo');
    expect(policy.values).toEqual(['fifo', 'phase-fair', 'reader-preferring']);
    expect(cxl.params.map((p) => p.name)).toEqual(['pages', 'vmas', 'policy', 'remap']);
    expect(Object.keys(cxl.listings)).toEqual(['buggy', 'fixed', 'no-retry']);
    expect(cxl.upstream.subject).toBe('cxl: Fix possible deadlock when processing page faults from cxllib');
    expect(cxl.upstream.commit).toBeUndefined();
    expect(cxl.upstream.unverified!.some((u) => u.includes('commit hash'))).toBe(true);
  });

  it('each verdict at default parameters is the expected one', () => {
    for (const v of cxl.variants) expect(explore(cxl.build({ variant: v.id })).verdict, v.id).toBe(v.expected);
  });

  it('bad parameters are clear Errors', () => {
    expect(() => cxl.build({ pages: 2, vmas: 3 })).toThrow('cxl: the buffer needs at least one page in each VMA: pages (2) must be at least vmas (3)');
    expect(() => cxl.build({ pages: 0 })).toThrow("cxl: parameter 'pages' must be an integer from 1 to 8, got 0");
    expect(() => cxl.build({ policy: 'lifo' })).toThrow("cxl: parameter 'policy' must be one of fifo, phase-fair, reader-preferring, got 'lifo'");
    expect(() => cxl.build({ remap: 'maybe' })).toThrow("cxl: parameter 'remap' must be one of auto, on, off, got 'maybe'");
    expect(() => cxl.build({ variant: 'v5.8' })).toThrow("cxl: unknown variant 'v5.8' (variants: buggy, fixed, no-retry)");
  });

  it("every thread's code names functions of its listing; the fixed variant's listing adds get_vma_info and T3's sys_mmap", () => {
    for (const variant of ['buggy', 'fixed']) {
      const s = cxl.build({ variant });
      const k = s.instantiate();
      const fns = s.listing!.functions.map((f) => f.name);
      for (const t of k.threads) for (const name of t.options.code ?? []) expect(fns, `${variant} ${t.name}`).toContain(name);
    }
    expect(buggyListing.functions.map((f) => f.name)).toEqual(['accel_translation_fault', 'cxllib_handle_fault', 'cxl_handle_mm_fault', 'copro_handle_mm_fault', 'sys_brk']);
    expect(fixedListing.functions.map((f) => f.name)).toEqual(['accel_translation_fault', 'get_vma_info', 'cxllib_handle_fault', 'cxl_handle_mm_fault', 'copro_handle_mm_fault', 'sys_brk', 'sys_mmap']);
    expect(cxl.build({ variant: 'buggy' }).threads).toEqual(['T1', 'T2']);
    expect(cxl.build({ variant: 'fixed' }).threads).toEqual(['T1', 'T2', 'T3']);
    expect(cxl.build({ variant: 'fixed', remap: 'off' }).threads).toEqual(['T1', 'T2']);
  });

  it('the buffer spans VMAs with different page sizes and starts one cache line into its first page', () => {
    const l = bufferLayout(3, 2);
    expect(l.vmas.map((v) => [v.start, v.pageSize, v.pages])).toEqual([[0x10000000, 0x10000, 1], [0x10010000, 0x1000, 2]]);
    expect(l.buffer).toEqual({ addr: 0x10000080, size: 0x12000 - 0x80, touch: [0x10000080, 0x10010000, 0x10011000] });
    expect(bufferLayout(5, 3).vmas.map((v) => [v.pageSize, v.pages])).toEqual([[0x10000, 1], [0x1000, 2], [0x1000, 2]]);
  });
});

describe('cxl buggy: the recursive read of mmap_sem deadlocks with brk', () => {
  const s = cxl.build({ variant: 'buggy' });
  const r = explore(s);

  it("is the seed's deadlock: T1 holds R1, T2's down_write (W1) waits, T1's R2 queues behind it", () => {
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe(
      "Deadlock: T1 and T2 can never run again; T1 waits in down_read on mm.mmap_sem queued behind T2's down_write; T2 waits in down_write on mm.mmap_sem held for read by T1.",
    );
    const steps = r.counterexample!.steps;
    expect(steps.map(describeStep)).toEqual(['T1 down_read mm.mmap_sem', 'T1 find_vma mm', 'T2 down_write mm.mmap_sem (blocked)', 'T1 down_read mm.mmap_sem (blocked)']);
    expect(r.counterexample!.schedule).toBe('a2ba');
    // The seed's timeline, in its order: R1 taken; W1 waits; R2 waits.
    const lockSteps = steps.filter((st) => st.op === 'down_read' || st.op === 'down_write');
    expect(lockSteps.map((st) => [st.thread, st.line, st.blocked])).toEqual([
      ['T1', line(buggyListing, 'R1'), false],
      ['T2', line(buggyListing, 'W1'), true],
      ['T1', line(buggyListing, 'R2'), true],
    ]);
    expect(steps[2]!.note).toBe('waits: held for read by T1');
    expect(steps[3]!.note).toBe("waits: queued behind T2's down_write");
  });

  it('every step of the counterexample carries a listing line, and R2 is reached through cxl_handle_mm_fault', () => {
    for (const st of r.counterexample!.steps) expect(st.line, describeStep(st)).toBeTypeOf('number');
    expect(r.counterexample!.steps[3]!.stack).toEqual(['drv_fault', 'fault', 'copro', 'R2'].map((l) => line(buggyListing, l)));
  });

  it('the counterexample replays to itself', () => {
    const t = replay(s, r.counterexample!.schedule);
    expect(t.outcome).toBe('deadlock');
    expect(t.steps).toEqual(r.counterexample!.steps);
    // Lockdep sees the recursion in this one execution too, at R2, before T1 queues.
    expect(t.lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
  });

  it('lockdep flags the recursive read from the explored executions', () => {
    expect(r.lockdep.warnings).toHaveLength(1);
    const w = r.lockdep.warnings[0]!;
    expect(w.title).toBe('possible recursive locking detected');
    expect(w.classes).toEqual(['mmap_sem']);
    expect(w.chain[0]).toMatchObject({
      thread: 'T1',
      fromMode: 'read',
      toMode: 'read',
      fromAt: `down_read in cxllib_handle_fault, line ${line(buggyListing, 'R1')}`,
      toAt: `down_read in copro_handle_mm_fault, line ${line(buggyListing, 'R2')}`,
    });
  });

  it('lockdep flags it from one execution that did not deadlock (T2 runs brk first)', () => {
    const sim = simulate(s);
    runOut(sim, 'T2');
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    const t = replay(s, sim.schedule);
    expect(t.outcome).toBe('ok');
    expect(t.lockdep.warnings.map((w) => [w.title, w.classes])).toEqual([['possible recursive locking detected', ['mmap_sem']]]);
  });

  it('the shortest deadlock keeps its shape as the buffer grows, across VMAs and pages', () => {
    for (const [pages, vmas] of [[1, 1], [2, 2], [4, 2], [5, 3], [8, 4]] as const) {
      const rr = explore(cxl.build({ variant: 'buggy', pages, vmas }));
      expect(rr.verdict, `${pages}/${vmas}`).toBe('deadlock');
      expect(rr.complete).toBe(true);
      expect(rr.counterexample!.steps.map(describeStep)).toEqual(r.counterexample!.steps.map(describeStep));
    }
  }, 30_000);

  it("is a deadlock under v4.x ('fifo') and v5.3+ ('phase-fair') rwsems; a reader-preferring rwsem lets R2 through", () => {
    expect(explore(cxl.build({ variant: 'buggy', policy: 'phase-fair' })).verdict).toBe('deadlock');
    const rp = explore(cxl.build({ variant: 'buggy', policy: 'reader-preferring' }));
    expect(rp.verdict).toBe('ok');
    expect(rp.complete).toBe(true);
    // lockdep does not care about the policy: the recursive read is still reported.
    expect(rp.lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
  });

  it("its second bug (looking the VMA up at addr, not dar) skips the 4K page after the first: the accelerator has to retry it", () => {
    // Without the deadlock (a reader-preferring rwsem), every execution completes; in every one the
    // buggy loop strides 64K over the 4K VMA and misses 0x10011000, which the accelerator faults again.
    const { report, ends } = exploreAll(cxl.build({ variant: 'buggy', policy: 'reader-preferring' }));
    expect(report.verdict).toBe('ok');
    expect(ends.length).toBe(report.stats.executions);
    for (const a of ends) {
      expect(a.misses).toEqual([{ address: 0x10011000, misses: 1 }]);
      expect(a.translated).toEqual(a.touch);
    }
  });

  it('brute force agrees with the reduction: verdict, shortest length and every final state', () => {
    expect(check(cxl.build({ variant: 'buggy' }), { maxExecutions: 20_000 }).counterexample!.steps).toHaveLength(4);
    expect(check(cxl.build({ variant: 'buggy', pages: 1, vmas: 1 }), { maxExecutions: 20_000 }).verdict).toBe('deadlock');
    expect(check(cxl.build({ variant: 'buggy', policy: 'reader-preferring' }), { maxExecutions: 20_000 }).verdict).toBe('ok');
  }, 30_000);
});

describe('cxl fixed: get_vma_info drops mmap_sem before the fault', () => {
  const s = cxl.build({ variant: 'fixed' });

  it('is ok, lockdep sees no recursion, and every access of the accelerator succeeds in every execution', () => {
    const { report, ends } = exploreAll(s);
    expect(report.verdict).toBe('ok');
    expect(report.complete).toBe(true);
    expect(report.lockdep.warnings).toEqual([]);
    expect(ends.length).toBe(report.stats.executions);
    for (const a of ends) expect(a.translated).toEqual(a.touch);
    // In some executions T3's remap makes a page vanish after T1 faulted it in, and the accelerator retries.
    expect(ends.some((a) => a.retries > 0)).toBe(true);
    expect(ends.some((a) => a.retries === 0)).toBe(true);
  });

  it('a page that vanished between the lookups is retried and succeeds', () => {
    const sim = simulate(s);
    // T1 faults the whole buffer in and the accelerator touches its first page...
    runThrough(sim, 'T1', 'accel_touch');
    expect(objectState(sim, 'mm.pgd').present).toEqual([0x10000000, 0x10010000, 0x10011000]);
    // ...then T3 maps fresh memory over the 4K VMA, zapping the two pages T1 had faulted in.
    runOut(sim, 'T3');
    expect(sim.steps.find((st) => st.thread === 'T3' && st.op === 'unmap_vmas')!.note).toBe('zaps 2 pages of mm in [0x10010000, 0x10012000)');
    expect(objectState(sim, 'mm.pgd').present).toEqual([0x10000000]);
    runOut(sim, 'T1');
    runOut(sim, 'T2');
    expect(sim.outcome?.verdict).toBe('ok');
    const touches = sim.steps.filter((st) => st.op === 'accel_touch');
    expect(touches.map((st) => st.note)).toEqual([
      'accel reads 0x10000080: translated',
      'accel: no translation for 0x10010000, so it raises a translation fault for that page',
      'accel reads 0x10010000: translated',
      'accel: no translation for 0x10011000, so it raises a translation fault for that page',
      'accel reads 0x10011000: translated',
    ]);
    for (const st of touches) expect(st.line).toBe(line(fixedListing, 'touch'));
    // The retry went through cxllib_handle_fault again, from the driver's retry line.
    const retried = sim.steps.filter((st) => st.op === 'handle_mm_fault' && st.stack?.[0] === line(fixedListing, 'drv_retry'));
    expect(retried).toHaveLength(2);
    expect(objectState(sim, 'accel')).toMatchObject({ retries: 2, translated: [0x10000080, 0x10010000, 0x10011000] });
    expect(replay(s, sim.schedule).outcome).toBe('ok');
    // Every step carries a line; T2's and T3's steps carry the lines of their syscalls' parts.
    for (const st of sim.steps) expect(st.line, describeStep(st)).toBeTypeOf('number');
    const linesOf = (thread: string) => sim.steps.filter((st) => st.thread === thread).map((st) => `${st.op}:${st.line}`);
    const L = (label: string) => line(fixedListing, label);
    expect(linesOf('T2')).toEqual([`down_write:${L('W1')}`, `sys_brk:${L('brk')}`, `do_brk_flags:${L('brk_vma')}`, `up_write:${L('W1_up')}`]);
    expect(linesOf('T3')).toEqual([
      `down_write:${L('W3')}`, `do_munmap:${L('unmap')}`, `mmu_notifier_invalidate_range_start:${L('unmap')}`, `unmap_vmas:${L('unmap')}`,
      `mmu_notifier_invalidate_range_end:${L('unmap')}`, `remove_vma:${L('unmap')}`, `do_mmap:${L('map')}`, `vma_link:${L('map')}`, `up_write:${L('W3_up')}`,
    ]);
  });

  it('T2 can take mmap_sem for write between the lookups: T1 holds nothing then', () => {
    const sim = simulate(s);
    runThrough(sim, 'T1', 'up_read'); // get_vma_info has dropped R1
    runOut(sim, 'T2');
    expect(sim.steps.filter((st) => st.thread === 'T2').map((st) => st.op)).toEqual(['down_write', 'sys_brk', 'do_brk_flags', 'up_write']);
    expect(sim.steps.find((st) => st.thread === 'T2' && st.op === 'down_write')!.blocked).toBe(false);
  });

  it('stays ok, with every access translated, across pages, VMAs and policies', () => {
    const grid: Record<string, string | number>[] = [
      ...([[1, 1], [2, 2], [4, 3]] as const).flatMap(([pages, vmas]) => ['fifo', 'phase-fair', 'reader-preferring'].map((policy) => ({ pages, vmas, policy }))),
      { pages: 5, vmas: 2, policy: 'fifo' },
      { pages: 8, vmas: 4, policy: 'fifo' },
    ];
    for (const params of grid) {
      const { report, ends } = exploreAll(cxl.build({ variant: 'fixed', ...params }));
      expect(report.verdict, JSON.stringify(params)).toBe('ok');
      expect(report.complete).toBe(true);
      expect(report.lockdep.warnings).toEqual([]);
      expect(ends.length).toBe(report.stats.executions);
      for (const a of ends) expect(a.translated).toEqual(a.touch);
    }
  }, 60_000);

  it('without T3, nothing vanishes and the fixed loop (which looks up dar) misses no page', () => {
    const { report, ends } = exploreAll(cxl.build({ variant: 'fixed', remap: 'off' }));
    expect(report.verdict).toBe('ok');
    for (const a of ends) expect(a.retries).toBe(0);
  });

  it('brute force agrees: complete without T3, and with T3 every final state it reaches within 3 preemptions is one the reduction reaches', () => {
    expect(check(cxl.build({ variant: 'fixed', remap: 'off' }), { maxExecutions: 20_000 }).verdict).toBe('ok');
    for (const params of [{ pages: 1, vmas: 1 }, { pages: 3, vmas: 2 }]) {
      const scen = cxl.build({ variant: 'fixed', ...params });
      const full = exploreAll(scen);
      const bound = params.pages === 1 ? 3 : 2;
      const brute = exploreAll(scen, { reduction: 'none', preemptionBound: bound, maxExecutions: 50_000 });
      expect(brute.report.stats.executions).toBeLessThan(50_000);
      expect(brute.report.verdict).toBe('incomplete');
      expect(brute.report.incomplete?.bound).toBe('preemptionBound');
      expect(brute.finals.size).toBeGreaterThan(1);
      for (const f of brute.finals) expect(full.finals.has(f), f.slice(0, 200)).toBe(true);
    }
  }, 60_000);

  it('the buggy code with T3 added still deadlocks, in the same way', () => {
    const rr = explore(cxl.build({ variant: 'buggy', remap: 'on' }));
    expect(rr.verdict).toBe('deadlock');
    // Every thread must be stuck, so T3's down_write queues too.
    expect(rr.counterexample!.steps.map(describeStep)).toEqual([
      'T1 down_read mm.mmap_sem', 'T1 find_vma mm', 'T2 down_write mm.mmap_sem (blocked)', 'T1 down_read mm.mmap_sem (blocked)', 'T3 down_write mm.mmap_sem (blocked)',
    ]);
  });
});

describe('the cxl accelerator (devices/cxl.ts)', () => {
  /** The accelerator over a two-page buffer, with the driver calling `handle`. */
  const device = (handle: CxllibHandleFault) =>
    scenario('accel', (k) => {
      const P = k.process('P', { mm: 'mm', lock: 'mmap_sem' });
      P.mm.addVma(0x10000, 0x2000);
      const acc = k.object((w) => new CxlAccelerator(w, 'accel', P.mm, { addr: 0x10000, size: 0x2000, touch: [0x10000, 0x11000] }));
      k.thread('T1', function* () {
        yield* accel_translation_fault(acc, handle);
      });
    });

  it('retries a missed page a bounded number of times, then the access fails', () => {
    const r = explore(
      device(function* () {
        return 0; // claims success, faults nothing in
      }),
    );
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.rule).toBe('device-error');
    expect(r.message).toBe("T1 gave up on accel's access to 0x10000: it missed 4 times, so the accelerator gets an address error");
    expect(r.counterexample!.steps.filter((st) => st.op === 'accel_touch')).toHaveLength(4);
  });

  it('an error from cxllib_handle_fault is an address error for the accelerator', () => {
    const r = explore(
      device(function* () {
        return -EFAULT;
      }),
    );
    expect(r.message).toBe(`T1 gave up on accel's access to 0x10000: cxllib_handle_fault returned ${-EFAULT}, so the accelerator gets an address error`);
  });

  it('an access that never completes is reported when every thread has finished', () => {
    const s = scenario('idle accel', (k) => {
      const P = k.process('P', { mm: 'mm', lock: 'mmap_sem' });
      P.mm.addVma(0x10000, 0x1000);
      k.object((w) => new CxlAccelerator(w, 'accel', P.mm, { addr: 0x10000, size: 0x1000, touch: [0x10000] }));
      k.thread('T1', function* () {});
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.message).toBe('The accelerator accel never completed its access to 0x10000.');
  });

  it('stats: default and scaled explorations stay small', () => {
    const stats = (params: Record<string, string | number>) => explore(cxl.build(params)).stats;
    expect(stats({ variant: 'buggy' }).executions).toBeLessThan(50);
    expect(stats({ variant: 'fixed' }).executions).toBeLessThan(2_000);
    expect(stats({ variant: 'fixed', pages: 8, vmas: 4 }).executions).toBeLessThan(10_000);
  }, 30_000);
});
