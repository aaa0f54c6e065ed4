/**
 * The page tables' footprints: steps on different pages of one mm are independent, steps on one
 * page (or a huge page, or an address outside the build-time VMAs) are not, and whatever frees the
 * tables conflicts with every walk. Each scenario is checked against brute force, which sees every
 * order: finer footprints that missed a dependence would lose a final state.
 */
import { describe, expect, it } from 'vitest';
import { copy_from_user, do_exit, find_vma, handle_mm_fault, mmap_read_lock, mmap_read_unlock, scenario, simulate, sys_mmap, sys_munmap, userLoad, userStore } from '../../src/index.ts';
import { check } from './support.ts';

const PAGE = 0x1000;
const HUGE = 0x200000;

describe('page-table footprints', () => {
  it('loads and faults on different pages of one mm commute; on one page they do not', () => {
    const twoPages = (second: number) =>
      scenario(`two loads (0x10000, ${second.toString(16)})`, (k) => {
        const P = k.process('P');
        P.mm.addVma(0x10000, 2 * PAGE);
        P.thread('T1', function* () {
          yield* userLoad(0x10000);
        });
        P.thread('T2', function* () {
          yield* userLoad(second);
        });
      });
    const apart = check(twoPages(0x11000));
    const together = check(twoPages(0x10000));
    expect([apart.verdict, together.verdict]).toEqual(['ok', 'ok']);
    // Apart, only the two threads' mmap_lock steps and nothing on the pages interleave differently.
    expect(apart.stats.executions).toBeLessThan(together.stats.executions);
  });

  it('the snapshot shows the pgd, never the per-page slots', () => {
    const s = scenario('slots hidden', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 4 * PAGE);
      P.thread('T', function* () {
        yield* userStore(0x12000);
      });
    });
    const names = simulate(s).snapshot().objects.map((o) => o.name);
    expect(names).toContain('P.mm.pgd');
    expect(names.filter((n) => n.includes('.pte@'))).toEqual([]);
  });

  it('a huge page is one footprint: a load of its last 4K conflicts with a fault on its first', () => {
    const s = scenario('huge page', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x40000000, 2 * HUGE, { pageSize: HUGE });
      P.thread('T1', function* () {
        yield* userLoad(0x40000000);
      });
      P.thread('T2', function* () {
        yield* userLoad(0x40000000 + HUGE - PAGE);
      });
    });
    expect(check(s).verdict).toBe('ok');
  });

  it('a VMA mapped while threads run shares the footprint of every address outside the build-time VMAs', () => {
    const s = scenario('runtime mmap', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, PAGE);
      P.thread('T1', function* () {
        yield* sys_mmap(0x30000, 2 * PAGE);
      });
      P.thread('T2', function* () {
        yield* copy_from_user(0x31000, PAGE);
      });
    });
    expect(check(s).verdict).toBe('ok');
  });

  it('munmap conflicts with the walks of the pages it takes down', () => {
    const s = scenario('munmap', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 2 * PAGE, { populated: true });
      P.thread('T1', function* () {
        yield* sys_munmap(0x11000, PAGE);
      });
      P.thread('T2', function* () {
        yield* userLoad(0x11000);
      });
    });
    expect(check(s).verdict).toBe('ok');
  });

  it('exit_mmap conflicts with a walk of any page, and a walk after free_pgtables is a use after free', () => {
    const s = scenario('exit', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 2 * PAGE);
      const K = k.thread('K', function* () {
        // Faults on P's second page holding only mm_count, as a kernel thread must not.
        yield* mmap_read_lock(P.mm);
        const vma = yield* find_vma(P.mm, 0x11000);
        if (vma) yield* handle_mm_fault(vma, 0x11000);
        yield* mmap_read_unlock(P.mm);
      });
      P.mm.mm_count.init(K, 'mmgrab');
      P.thread('T1', function* () {
        yield* do_exit();
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample?.rule).toBe('use-after-free');
  });
});
