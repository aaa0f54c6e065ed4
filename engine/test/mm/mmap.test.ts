import { describe, expect, it } from 'vitest';
import {
  EEXIST, EINVAL, assert, down_read, explore, find_vma, mmap_read_lock, mmap_read_unlock, scenario, simulate, sys_brk, sys_mmap, sys_munmap, up_read,
  type VmArea,
} from '../../src/index.ts';
import { check, objectState, runOut } from './support.ts';

const vmas = (sim: ReturnType<typeof simulate>, mm: string): unknown => objectState(sim, mm).vmas;

describe('mmap, munmap and brk', () => {
  it('change the VMA list, and find_vma returns the first VMA that ends above an address', () => {
    const s = scenario('vma list', (k) => {
      const P = k.process('P', { start_brk: 0x40000 });
      P.thread('T1', function* () {
        assert((yield* sys_mmap(0x10000, 0x2000)) === 0x10000);
        assert((yield* sys_mmap(0x20000, 0x1000)) === 0x20000);
        assert((yield* sys_mmap(0x11000, 0x1000)) === -EEXIST, 'an overlapping mmap fails');
        yield* mmap_read_lock(P.mm);
        const below = yield* find_vma(P.mm, 0x8000);
        const gap = yield* find_vma(P.mm, 0x13000);
        const above = yield* find_vma(P.mm, 0x30000);
        yield* mmap_read_unlock(P.mm);
        assert(below?.vm_start === 0x10000 && gap?.vm_start === 0x20000 && above === null, 'find_vma');
        yield* sys_munmap(0x20000, 0x1000);
        assert((yield* sys_brk(0x42000)) === 0x42000, 'brk grows the heap');
        assert((yield* sys_brk(0x44800)) === 0x44800, 'brk need not be page-aligned');
        assert((yield* sys_brk(0x41000)) === 0x41000, 'brk shrinks the heap');
        assert((yield* sys_brk(0x3f000)) === 0x41000, 'brk below the heap is refused');
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(vmas(sim, 'P.mm')).toEqual(['P.mm.vma@0x10000', 'P.mm.vma@0x40000']);
    expect(objectState(sim, 'P.mm.vma@0x20000').freed).toBe(true);
    expect(objectState(sim, 'P.mm.vma@0x40000')).toMatchObject({ start: 0x40000, end: 0x41000 });
    expect(objectState(sim, 'P.mm').brk).toBe(0x41000);
  });

  it('brk refuses to run into another mapping, and shrinking to the start removes the heap', () => {
    const s = scenario('brk limits', (k) => {
      const P = k.process('P', { start_brk: 0x40000 });
      P.mm.addVma(0x43000, 0x1000);
      P.thread('T1', function* () {
        assert((yield* sys_brk(0x41000)) === 0x41000);
        assert((yield* sys_brk(0x42800)) === 0x41000, 'no room: the next mapping is within a page');
        assert((yield* sys_brk(0x40000)) === 0x40000);
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(vmas(sim, 'P.mm')).toEqual(['P.mm.vma@0x43000']);
  });

  it('take mmap_lock for write: a writer queues behind a reader and readers queue behind it', () => {
    const s = scenario('brk waits', (k) => {
      const P = k.process('P');
      P.thread('T1', function* () {
        yield* down_read(P.mm.mmap_lock);
        yield* down_read(P.mm.mmap_lock); // a recursive read, like cxl's copro_handle_mm_fault
        yield* up_read(P.mm.mmap_lock);
        yield* up_read(P.mm.mmap_lock);
      });
      P.thread('T2', function* () {
        yield* sys_brk(P.mm.start_brk + 0x1000);
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.counterexample?.schedule).toBe('aba');
    expect(r.message).toContain("T1 waits in down_read on P.mm.mmap_lock queued behind T2's down_write");
  });

  it('unmapping part of a VMA other than its tail is reported as the thread\'s exception', () => {
    const s = scenario('split', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x3000);
      P.thread('T1', function* () {
        yield* sys_munmap(0x11000, 0x1000);
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', counterexample: { rule: 'exception' } });
    expect(r.message).toMatch(/^T1 threw Error: .*would split P\.mm\.vma@0x10000 or cut its head/);
  });

  it('a bad address or length is reported as the thread\'s exception', () => {
    const s = scenario('bad mmap', (k) => {
      const P = k.process('P');
      P.thread('T1', function* () {
        yield* sys_mmap(0x10000, -0x1000);
      });
    });
    const r = explore(s);
    expect(r.counterexample?.rule).toBe('exception');
    expect(r.message).toContain('sys_mmap: the length must be a positive multiple of 0x1000, got -4096');
  });

  it("mapping a file: the VMA holds the file and its ->mmap may set it up or refuse", () => {
    const s = scenario('file mmap', (k) => {
      const P = k.process('P');
      const ok = P.open('dev0', {
        *mmap(_f, vma: VmArea) {
          vma.vm_private_data = 'set up by ->mmap';
          return 0;
        },
      });
      const no = P.open('dev1', {
        *mmap() {
          return -EINVAL;
        },
      });
      P.thread('T1', function* () {
        assert((yield* sys_mmap(0x10000, 0x1000, { file: ok, shared: true })) === 0x10000);
        assert((yield* sys_mmap(0x20000, 0x1000, { file: no })) === -EINVAL);
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(objectState(sim, 'dev0.f_count').holders).toEqual(['P.files', 'P.mm.vma@0x10000']);
    expect(objectState(sim, 'dev1.f_count').holders).toEqual(['P.files']);
    expect(objectState(sim, 'P.mm.vma@0x10000').summary).toBe('[0x10000, 0x11000) rws dev0');
    expect(objectState(sim, 'P.mm.vma@0x20000').freed).toBe(true);
    expect(vmas(sim, 'P.mm')).toEqual(['P.mm.vma@0x10000']);
  });
});
