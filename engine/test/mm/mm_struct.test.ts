import { describe, expect, it } from 'vitest';
import {
  do_exit, down_read, explore, get_task_mm, mmdrop, mmget, mmget_not_zero, mmgrab, mmput, scenario, simulate, sys_mmap, up_read, userLoad,
  type Kernel, type Process,
} from '../../src/index.ts';
import { check, objectState, runOut } from './support.ts';

/** A process P whose thread T1 maps two pages, touches one and exits. */
function mappingProcess(k: Kernel): Process {
  const P = k.process('P');
  P.thread('T1', function* () {
    yield* sys_mmap(0x10000, 0x2000);
    yield* userLoad(0x10000);
    yield* do_exit();
  });
  return P;
}

/** A process P with a mapped page whose thread T1 just exits (small enough to compare with brute force). */
function exitingProcess(k: Kernel): Process {
  const P = k.process('P');
  P.mm.addVma(0x10000, 0x1000, { populated: true });
  P.thread('T1', function* () {
    yield* do_exit();
  });
  return P;
}

describe('mm_struct: mm_users and mm_count', () => {
  it('a process that exits frees its mm, its VMAs and its page tables', () => {
    const s = scenario('exit frees the mm', (k) => void mappingProcess(k));
    expect(check(s).verdict).toBe('ok');
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(objectState(sim, 'P.mm').freed).toBe(true);
    expect(objectState(sim, 'P.mm.vma@0x10000').freed).toBe(true);
    expect(objectState(sim, 'P.mm.pgd').freed).toBe(true);
  });

  it("mmput to zero runs exit_mmap in the kernel's order, then mmdrop; mmdrop to zero frees the struct", () => {
    const s = scenario('exit order', (k) => void mappingProcess(k));
    const sim = simulate(s);
    runOut(sim, 'T1');
    const ops = sim.steps.map((st) => st.op);
    const from = ops.indexOf('mmput');
    expect(ops.slice(from, from + 9)).toEqual([
      'mmput', 'mmu_notifier_release', 'exit_mmap', 'mmu_notifier_invalidate_range_start', 'unmap_vmas',
      'mmu_notifier_invalidate_range_end', 'free_pgtables', 'remove_vma', 'mmdrop',
    ]);
    expect(ops.at(-2)).toBe('mmdrop');
    expect(ops.at(-1)).toBe('__mmdrop');
  });

  it('the last mmput runs exit_mmap in the thread that calls it', () => {
    const s = scenario('last mmput in a kthread', (k) => {
      const P = exitingProcess(k);
      k.thread('K', function* () {
        const mm = yield* get_task_mm(P.tasks[0]!);
        if (mm) yield* mmput(mm);
      });
    });
    expect(check(s).verdict).toBe('ok');
    const sim = simulate(s);
    sim.step('K'); // get_task_mm: mm_users 2
    runOut(sim, 'T1');
    expect(sim.steps.filter((st) => st.thread === 'T1').map((st) => st.op)).not.toContain('exit_mmap');
    expect(objectState(sim, 'P.mm').summary).toMatch(/^mm_users 1/);
    runOut(sim, 'K');
    const byK = sim.steps.filter((st) => st.thread === 'K').map((st) => st.op);
    expect(byK).toEqual(expect.arrayContaining(['exit_mmap', 'free_pgtables', 'remove_vma', '__mmdrop']));
    expect(objectState(sim, 'P.mm').freed).toBe(true);
  });

  it('a pinned mm (mmgrab) survives exit_mmap as a defunct struct, and mmget_not_zero fails on it', () => {
    const s = scenario('pinned mm', (k) => {
      const P = exitingProcess(k);
      const K = k.thread('K', function* () {
        if (yield* mmget_not_zero(P.mm)) yield* mmput(P.mm);
        yield* mmdrop(P.mm); // a use after free, were the struct not pinned
      });
      P.mm.mm_count.init(K, 'mmgrab'); // K pinned the struct earlier
    });
    expect(check(s).verdict).toBe('ok');

    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(objectState(sim, 'P.mm')).toMatchObject({ mm_users: 0, mm_count: 1, freed: false });
    expect(objectState(sim, 'P.mm').summary).toMatch(/^defunct/);
    expect(objectState(sim, 'P.mm.vma@0x10000').freed).toBe(true);
    expect(objectState(sim, 'P.mm.pgd')).toMatchObject({ tablesFreed: true, freed: false });
    expect(sim.step('K')).toMatchObject({ op: 'mmget_not_zero', note: 'P.mm.mm_users is 0: not taken' });
    runOut(sim, 'K');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(objectState(sim, 'P.mm').freed).toBe(true);
  });

  it('using a freed mm is a use after free that names the step that freed it', () => {
    const s = scenario('use after free', (k) => {
      const P = exitingProcess(k);
      k.thread('K', function* () {
        // A raw pointer kept without any reference.
        if (yield* mmget_not_zero(P.mm)) yield* mmput(P.mm);
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample?.rule).toBe('use-after-free');
    const freedAt = r.counterexample!.steps.find((st) => st.op === '__mmdrop')!.index + 1;
    expect(r.message).toBe(`K used P.mm.mm_users in mmget_not_zero after T1 freed it at step ${freedAt}`);
  });

  it('an mmput of a reference the thread never took drops another one, and the extra put is caught', () => {
    const s = scenario('unbalanced mmput', (k) => {
      const mm = k.mm('mm1');
      k.thread('T', function* () {
        yield* mmput(mm);
        yield* mmput(mm);
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('violation');
    expect(r.message).toMatch(/^T used mm1\.mm_users in mmput after T freed it at step \d+$/);
  });

  it('mmget needs a user already: on a dead address space it is a violation', () => {
    const s = scenario('mmget from zero', (k) => {
      const mm = k.mm('mm1');
      k.thread('T', function* () {
        yield* mmgrab(mm);
        yield* mmput(mm);
        yield* mmget(mm);
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('violation');
    expect(r.message).toBe('T called mmget on mm1.mm_users at 0: it would revive mm1, which is already dying');
  });
});

describe('mmap_lock', () => {
  it("is named for the case's era, shares one lockdep class across mms, and is 'fifo' by default", () => {
    const s = scenario('two mms', (k) => {
      const a = k.process('A', { mm: 'mmA', lock: 'mmap_sem' }).mm;
      const b = k.mm('mmB', { lock: 'mmap_sem' });
      expect(a.mmap_sem).toBe(a.mmap_lock);
      expect(a.mmap_lock.name).toBe('mmA.mmap_sem');
      expect(a.mmap_lock.policy).toBe('fifo');
      k.thread('T', function* () {
        yield* down_read(a.mmap_lock);
        yield* down_read(b.mmap_lock);
        yield* up_read(b.mmap_lock);
        yield* up_read(a.mmap_lock);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('ok');
    expect(r.lockdep.warnings.map((w) => [w.kind, w.classes])).toEqual([['recursive', ['mmap_sem']]]);
  });

  it('rejects bad options with a clear Error', () => {
    expect(() => scenario('bad lock', (k) => void k.mm('mm1', { lock: 'mm_sem' as 'mmap_sem' }))).toThrow(/lock must be 'mmap_lock' or 'mmap_sem'/);
    expect(() => scenario('bad brk', (k) => void k.mm('mm1', { start_brk: 0x1234 }))).toThrow(/start_brk must be a page-aligned address/);
    expect(() => scenario('bad vma', (k) => void k.mm('mm1').addVma(0x1000, 0))).toThrow(/the length must be a positive multiple/);
    expect(() => scenario('overlap', (k) => {
      const mm = k.mm('mm1');
      mm.addVma(0x1000, 0x2000);
      mm.addVma(0x2000, 0x1000);
    })).toThrow(/overlaps mm1\.vma@0x1000/);
  });
});
