import { describe, expect, it } from 'vitest';
import {
  VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, VM_READ, assert, atomic_read, atomic_set, copy_from_user, copy_to_user, do_exit, explore, find_vma, handle_mm_fault, kmap_atomic,
  kmap_local_page, kunmap_atomic, kunmap_local, mmap_read_lock, mmap_read_unlock, pagefault_disable, pagefault_enable, remap_pfn_range,
  replay, scenario, simulate, spin_lock, spin_unlock, sys_mmap, userLoad, userStore, zap_vma_ptes, type Op, type VmFault,
} from '../../src/index.ts';
import { check, objectState, runOut } from './support.ts';

describe('page faults', () => {
  it('handle_mm_fault asserts that the caller holds mmap_lock', () => {
    const s = scenario('no lock', (k) => {
      const mm = k.mm('mm1');
      const vma = mm.addVma(0x10000, 0x1000);
      k.thread('T', function* () {
        yield* handle_mm_fault(vma, 0x10000);
      });
    });
    const r = explore(s);
    expect(r.counterexample?.rule).toBe('mmap-lock-not-held');
    expect(r.message).toBe('T called handle_mm_fault on mm1.vma@0x10000 without holding mm1.mmap_lock');
  });

  it('an address outside the VMA, or a negative length, is reported as the thread\'s exception', () => {
    const outside = scenario('outside', (k) => {
      const mm = k.mm('mm1');
      const vma = mm.addVma(0x10000, 0x1000);
      k.thread('T', function* () {
        yield* mmap_read_lock(mm);
        yield* handle_mm_fault(vma, 0x11000);
      });
    });
    expect(explore(outside)).toMatchObject({
      verdict: 'violation',
      message: 'T threw Error: handle_mm_fault: 0x11000 is not inside mm1.vma@0x10000 [0x10000, 0x11000) in handle_mm_fault',
      counterexample: { rule: 'exception', schedule: 'a2' },
    });
    const negative = scenario('negative', (k) => {
      k.process('P').thread('T', function* () {
        yield* copy_from_user(0x10000, -1);
      });
    });
    expect(explore(negative).message).toBe('T threw Error: copy_from_user: the length must be an integer ≥ 0, got -1');
  });

  it('a user access that faults takes mmap_lock for read of its mm, maps the page, and retries', () => {
    const s = scenario('load', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x2000);
      P.thread('T1', function* () {
        assert((yield* userLoad(0x11000)) === 'ok');
        assert((yield* userLoad(0x11000)) === 'ok');
        assert((yield* userStore(0x20000)) === 'SIGSEGV', 'nothing is mapped there');
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.slice(0, 7).map((st) => `${st.op} ${st.target}`)).toEqual([
      'load P.mm.pgd', 'down_read_trylock P.mm.mmap_lock', 'find_vma P.mm', 'handle_mm_fault P.mm.vma@0x10000', 'up_read P.mm.mmap_lock',
      'load P.mm.pgd', 'load P.mm.pgd',
    ]);
    expect(objectState(sim, 'P.mm.pgd').present).toEqual([0x11000]);
  });

  it("a driver's vm_ops->fault maps the page itself (remap_pfn_range) or refuses with SIGBUS; zap_vma_ptes makes the next access fault again", () => {
    const s = scenario('driver fault', (k) => {
      const P = k.process('P');
      const enabled = k.atomic('enabled', 1);
      const vma = P.mm.addVma(0x10000, 0x2000, { flags: VM_READ });
      vma.vm_ops = {
        *fault(vmf: VmFault): Op<number> {
          if ((yield* atomic_read(enabled)) === 0) return VM_FAULT_SIGBUS;
          yield* remap_pfn_range(vmf.vma, vmf.vma.vm_start, vmf.vma.vm_end - vmf.vma.vm_start);
          return VM_FAULT_NOPAGE;
        },
      };
      P.thread('T1', function* () {
        assert((yield* userLoad(0x10000)) === 'ok');
        assert((yield* userStore(0x10000)) === 'ok', 'the page is mapped: no fault, so no permission check');
        yield* mmap_read_lock(P.mm);
        yield* zap_vma_ptes(vma, 0x10000, 0x2000);
        yield* mmap_read_unlock(P.mm);
        yield* atomic_set(enabled, 0);
        assert((yield* userLoad(0x11000)) === 'SIGBUS');
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome).toEqual({ verdict: 'ok', message: 'Every thread finished and every check passed.' });
    expect(sim.steps.filter((st) => st.op === 'remap_pfn_range')).toHaveLength(1);
    expect(objectState(sim, 'P.mm.pgd').present).toEqual([]);
  });

  it('a fault on a VMA that exit_mmap freed is a use after free', () => {
    const s = scenario('fault after exit', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x1000);
      const K = k.thread('K', function* () {
        // Faults on the mm without taking mm_users (the intel-svm fault handler before its fix).
        yield* mmap_read_lock(P.mm);
        const vma = yield* find_vma(P.mm, 0x10000);
        if (vma) yield* handle_mm_fault(vma, 0x10000);
        yield* mmap_read_unlock(P.mm);
      });
      P.mm.mm_count.init(K, 'mmgrab');
      P.thread('T1', function* () {
        yield* do_exit();
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('violation');
    expect(r.message).toMatch(/^K used (P\.mm\.vma@0x10000 in find_vma after T1 freed it|the page tables of P\.mm in handle_mm_fault after T1 freed them \(free_pgtables\)) at step \d+$/);
    const first = replay(s, r.counterexample!.schedule);
    expect(first.outcome).toBe('violation');
  });
});

describe('copy_from_user and copy_to_user', () => {
  it('fault the pages in and return the bytes not copied', () => {
    const s = scenario('copies', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x2000);
      P.thread('T1', function* () {
        assert((yield* copy_from_user(0x10800, 0x1000)) === 0, 'both pages are faulted in');
        assert((yield* copy_to_user(0x11800, 0x1000)) === 0x800, 'the copy stops where the VMA ends');
      });
      k.thread('K', function* () {
        assert((yield* copy_from_user(0x10000, 8)) === 8, 'a kernel thread has no user address space');
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    runOut(sim, 'K');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(objectState(sim, 'P.mm.pgd').present).toEqual([0x10000, 0x11000]);
    expect(sim.steps.filter((st) => st.op === 'handle_mm_fault')).toHaveLength(2);
  });

  it('under pagefault_disable a fault fails fast: the bytes not copied come back at once, with no lock taken', () => {
    const s = scenario('fail fast', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x2000);
      P.mm.addVma(0x20000, 0x1000, { populated: true });
      P.thread('T1', function* () {
        yield* pagefault_disable();
        assert((yield* copy_from_user(0x20000, 0x1000)) === 0, 'a present page copies');
        assert((yield* copy_from_user(0x10000, 0x2000)) === 0x2000, 'a missing page fails at once');
        yield* pagefault_enable();
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.map((st) => st.op)).toEqual(['pagefault_disable', 'copy_from_user', 'copy_from_user', 'pagefault_enable']);
    expect(sim.steps[2]!.note).toBe('0x10000 is not mapped and page faults are disabled: 8192 bytes not copied, no lock taken');
  });

  it('copying with page faults enabled under a spinlock is sleeping in atomic context', () => {
    const s = scenario('copy under spinlock', (k) => {
      const P = k.process('P');
      const lock = k.spinlock('lock');
      P.mm.addVma(0x10000, 0x1000, { populated: true });
      P.thread('T1', function* () {
        yield* spin_lock(lock);
        yield* copy_from_user(0x10000, 8);
        yield* spin_unlock(lock);
      });
    });
    const r = explore(s);
    expect(r.counterexample?.rule).toBe('sleep-in-atomic');
    expect(r.message).toBe('BUG: sleeping function called from invalid context: T1 calls copy_from_user(0x10000) while holding spinlock lock');
  });

  it('tell lockdep a copy may take mmap_lock for read, unless page faults are disabled', () => {
    const build = (disable: boolean) =>
      scenario('might_fault', (k) => {
        const P = k.process('P');
        P.mm.addVma(0x10000, 0x1000, { populated: true });
        P.thread('T1', function* () {
          yield* mmap_read_lock(P.mm);
          if (disable) yield* pagefault_disable();
          yield* copy_from_user(0x10000, 8);
          if (disable) yield* pagefault_enable();
          yield* mmap_read_unlock(P.mm);
        });
      });
    expect(explore(build(false)).lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
    expect(explore(build(true)).lockdep.warnings).toEqual([]);
  });
});

describe('kmap_atomic and kmap_local_page (the userfaultfd pattern on one mm)', () => {
  /** T1 copies from a missing page while holding mmap_lock for read; T2 maps something meanwhile. */
  const uffd = (kmap: 'kmap_atomic' | 'kmap_local_page' | 'kmap_local_page + pagefault_disable') =>
    scenario(`uffd ${kmap}`, (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x1000);
      P.thread('T1', function* () {
        yield* mmap_read_lock(P.mm);
        if (kmap === 'kmap_atomic') yield* kmap_atomic();
        else yield* kmap_local_page();
        if (kmap.endsWith('pagefault_disable')) yield* pagefault_disable();
        const left = yield* copy_from_user(0x10000, 0x1000);
        if (kmap.endsWith('pagefault_disable')) yield* pagefault_enable();
        if (kmap === 'kmap_atomic') yield* kunmap_atomic();
        else yield* kunmap_local();
        yield* mmap_read_unlock(P.mm);
        if (left) assert((yield* copy_from_user(0x10000, 0x1000)) === 0, 'the retry outside the lock copies');
      });
      P.thread('T2', function* () {
        yield* sys_mmap(0x20000, 0x1000);
      });
    });

  it('kmap_atomic disables page faults: the copy fails fast and is retried outside the lock', () => {
    expect(check(uffd('kmap_atomic')).verdict).toBe('ok');
  });

  it('kmap_local_page does not: the copy faults under mmap_lock, behind a queued writer', () => {
    const r = check(uffd('kmap_local_page'));
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toContain("T1 waits in down_read on P.mm.mmap_lock queued behind T2's down_write");
  });

  it('kmap_local_page with pagefault_disable is the fix', () => {
    expect(check(uffd('kmap_local_page + pagefault_disable')).verdict).toBe('ok');
  });

  it('kunmap_atomic without kmap_atomic is unbalanced', () => {
    const s = scenario('unbalanced', (k) => {
      k.thread('T', function* () {
        yield* kunmap_atomic();
      });
    });
    expect(explore(s).message).toBe('T called kunmap_atomic without a matching kmap_atomic');
  });
});
