import { describe, expect, it } from 'vitest';
import { vfioPci } from '../../src/cases/vfio-pci/index.ts';
import { listings } from '../../src/cases/vfio-pci/listing.ts';
import { fixed as fixedDriver } from '../../src/cases/vfio-pci/fixed.ts';
import {
  PCI_COMMAND_IO, VfioPciDevice, __vfio_pci_add_vma, copy_from_user_bar, ioread32, mapBarAtBuild, mmio_load, mmio_store, vfio_default_config_write,
} from '../../src/devices/vfio-pci.ts';
import { do_exit, explore, pagefault_disable, pagefault_enable, replay, scenario, simulate, type ExploreOptions, type Report, type Scenario, type Step, type WorldSnapshot } from '../../src/index.ts';
import { runOut, runThrough } from '../mm/support.ts';

const VARIANTS = ['buggy', 'naive-order', 'v5.8', 'fixed'] as const;
const SCRIPTS = ['5a', '5b', '5c', 'writer'] as const;

const line = (variant: string, label: string): number => {
  const n = listings[variant]!.labels.get(label);
  if (n === undefined) throw new Error(`no label ${label} in the ${variant} listing`);
  return n;
};
/** The listing function a line of `variant`'s listing is in. */
const fnOf = (variant: string, n: number | undefined): string | undefined => listings[variant]!.functions.find((f) => n !== undefined && f.start <= n && n <= f.end)?.name;
const show = (s: Step): string => `${s.thread} ${s.op} ${s.target ?? ''}${s.blocked ? ' (blocked)' : ''}`;
const normal = (verdict: string, snap: WorldSnapshot): string => `${verdict} ${JSON.stringify(snap).replace(/step \d+/g, 'step #')}`;
const objectIn = (snap: WorldSnapshot, name: string): Record<string, unknown> => {
  const o = snap.objects.find((x) => x.name === name);
  if (!o) throw new Error(`no object ${name}`);
  return o;
};
const seen = (snap: WorldSnapshot, thread: string): string[] => objectIn(snap, `${thread}.user`).seen as string[];

/** Explores and collects the final state of every execution that ran to its end without a violation. */
function exploreAll(s: Scenario, options: ExploreOptions = {}): { report: Report; finals: Set<string>; snaps: WorldSnapshot[] } {
  const finals = new Set<string>();
  const snaps: WorldSnapshot[] = [];
  const report = explore(s, {
    stateCache: false, // every execution to its end
    ...options,
    onExecution: (e) => {
      if (e.verdict === 'redundant') return;
      const snap = e.snapshot();
      snaps.push(snap);
      // An execution stops at its first violation: its last state depends on which independent steps ran first.
      if (e.verdict !== 'violation') finals.add(normal(e.verdict, snap));
    },
  });
  return { report, finals, snaps };
}

/** The state after the last step of a counterexample. */
const finalState = (s: Scenario, r: Report): WorldSnapshot => {
  const t = replay(s, r.counterexample!.schedule);
  return t.states[t.states.length - 1]!;
};

describe('vfio-pci: the case object', () => {
  it('has four variants with their expected verdicts, params with the era policy, a listing per variant and the citation', () => {
    expect(vfioPci.id).toBe('vfio-pci');
    expect(vfioPci.variants.map((v) => [v.id, v.expected])).toEqual([['buggy', 'violation'], ['naive-order', 'deadlock'], ['v5.8', 'deadlock'], ['fixed', 'ok']]);
    expect(vfioPci.params.map((p) => [p.name, p.default])).toEqual([['script', 'auto'], ['mappings', 1], ['accesses', 1], ['faults', 1], ['disable', 'command'], ['policy', 'phase-fair']]);
    expect(vfioPci.params.find((p) => p.name === 'policy')!.values).toEqual(['phase-fair', 'fifo', 'reader-preferring']);
    expect(vfioPci.params.find((p) => p.name === 'script')!.values).toEqual(['auto', ...SCRIPTS]);
    expect(Object.keys(vfioPci.listings)).toEqual([...VARIANTS]);
    expect(vfioPci.upstream).toMatchObject({ subject: 'vfio-pci: Invalidate mmaps and block MMIO access on disabled memory', author: 'Alex Williamson', commit: 'abafbc551fdd' });
    const u = vfioPci.upstream.unverified!;
    expect(u.some((x) => x.includes('commit message of abafbc551fdd was not retrieved'))).toBe(true);
    expect(u.filter((x) => x.startsWith('Derivation:'))).toHaveLength(3);
  });

  it('each verdict at default parameters is the expected one, complete and within budget', { timeout: 30_000 }, () => {
    for (const v of vfioPci.variants) {
      const r = explore(vfioPci.build({ variant: v.id }));
      expect(r.verdict, v.id).toBe(v.expected);
      expect(r.complete, v.id).toBe(true);
      expect(r.stats.executions, v.id).toBeLessThan(1500);
    }
  });

  it('script auto picks each variant\'s own threads', () => {
    expect(vfioPci.build({ variant: 'buggy' }).name).toBe('vfio-pci buggy (script 5a)');
    expect(vfioPci.build({ variant: 'naive-order' }).name).toBe('vfio-pci naive-order (script writer)');
    expect(vfioPci.build({ variant: 'v5.8' }).name).toBe('vfio-pci v5.8 (script 5c)');
    expect(vfioPci.build({ variant: 'fixed' }).name).toBe('vfio-pci fixed (script 5b)');
    expect(vfioPci.build({ variant: 'fixed', script: '5a' }).threads).toEqual(['T1', 'T2']);
    expect(vfioPci.build({ variant: 'fixed', script: 'writer' }).threads).toEqual(['T1', 'T2', 'T3']);
    expect(vfioPci.build({ variant: 'fixed', script: '5a', mappings: 3 }).threads).toEqual(['T1', 'T2']);
  });

  it('bad parameters are clear Errors', () => {
    expect(() => vfioPci.build({ variant: 'v5.9' })).toThrow("vfio-pci: unknown variant 'v5.9' (variants: buggy, naive-order, v5.8, fixed)");
    expect(() => vfioPci.build({ script: 'all' })).toThrow("vfio-pci: parameter 'script' must be one of auto, 5a, 5b, 5c, writer, got 'all'");
    expect(() => vfioPci.build({ mappings: 4 })).toThrow("vfio-pci: parameter 'mappings' must be an integer from 1 to 3, got 4");
    expect(() => vfioPci.build({ faults: 0 })).toThrow("vfio-pci: parameter 'faults' must be an integer from 1 to 3, got 0");
    expect(() => vfioPci.build({ disable: 'flr' })).toThrow("vfio-pci: parameter 'disable' must be one of command, reset, got 'flr'");
    expect(() => vfioPci.build({ policy: 'lifo' })).toThrow("vfio-pci: parameter 'policy' must be one of phase-fair, fifo, reader-preferring, got 'lifo'");
  });

  it("every thread's code names functions of its variant's listing", () => {
    for (const variant of VARIANTS) {
      for (const script of SCRIPTS) {
        const s = vfioPci.build({ variant, script });
        const fns = s.listing!.functions.map((f) => f.name);
        for (const t of s.instantiate().threads) {
          expect(t.options.code!.length, `${variant} ${script} ${t.name}`).toBeGreaterThan(0);
          for (const name of t.options.code!) expect(fns, `${variant} ${script} ${t.name}`).toContain(name);
        }
      }
    }
    const t2 = vfioPci.build({ variant: 'fixed', script: '5c' }).instantiate().threads[1]!;
    expect(t2.options.code).toEqual(['config_off', 'vfio_basic_config_write', 'vfio_pci_zap_and_down_write_memory_lock', 'vfio_pci_zap_and_vma_lock']);
  });

  it('the listings show what differs: the fault handler drops vma_lock before the remap in v5.8 and after it in fixed; bar_rw holds memory_lock across the copy only in v5.8', () => {
    expect(line('v5.8', 'f.unlock2')).toBeLessThan(line('v5.8', 'f.remap'));
    expect(line('fixed', 'f.unlock')).toBeGreaterThan(line('fixed', 'f.remap'));
    expect(line('v5.8', 'rw.down')).toBeLessThan(line('v5.8', 'rw.copy'));
    expect(line('v5.8', 'rw.up')).toBeGreaterThan(line('v5.8', 'rw.copy'));
    expect(fnOf('fixed', line('fixed', 'iow.down'))).toBe('vfio_pci_iowrite32');
    expect(fnOf('fixed', line('fixed', 'rw.copy'))).toBe('vfio_pci_bar_rw');
    expect(fnOf('buggy', line('buggy', 'b.remap'))).toBe('vfio_pci_mmap');
    expect(fnOf('naive-order', line('naive-order', 'n.z.mmap'))).toBe('vfio_pci_zap_and_down_write_memory_lock');
    for (const v of VARIANTS) expect(listings[v]!.text).not.toContain('//@');
  });
});

describe('buggy (before the series): a load through a BAR mapping reaches disabled memory', () => {
  const s = vfioPci.build({ variant: 'buggy' });
  const r = explore(s);

  it("the shortest failure is T1's load after T2 cleared PCI_COMMAND_MEMORY", () => {
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.rule).toBe('mmio-while-disabled');
    expect(r.message).toBe("T1's load at 0x100000 reached pdev.bar0 while pdev.command has memory decode off (T2 turned it off at step 1): the device may raise a fatal error and crash the host");
    const steps = r.counterexample!.steps;
    expect(r.counterexample!.schedule).toBe('ba7');
    expect(steps.map(show)).toEqual([
      'T2 vfio_default_config_write pdev.command', 'T1 down_write P1.mm.mmap_sem', 'T1 do_mmap P1.mm', 'T1 get_file devfd.f_count',
      'T1 remap_pfn_range P1.mm.vma@0x100000', 'T1 vma_link P1.mm', 'T1 up_write P1.mm.mmap_sem', 'T1 load P1.mm.pgd',
    ]);
    expect(steps[0]!.note).toBe('pdev.command = 0x1 (memory decode off)');
    // The mapping was populated by mmap itself, and nothing ever zaps it.
    expect(steps[4]!.line).toBe(line('buggy', 'b.remap'));
    expect(steps[4]!.stack).toEqual([line('buggy', 'a.mmap'), line('buggy', 'b.remap')]);
    expect(steps[7]!.line).toBe(line('buggy', 'a.load'));
    expect(steps[7]!.violation).toBe(r.message);
  });

  it('the failure replays to itself', () => {
    const t = replay(s, r.counterexample!.schedule);
    expect(t.outcome).toBe('violation');
    expect(t.steps).toEqual(r.counterexample!.steps);
  });

  it('a reset opens the same window: an access between the reset and the restore of the config', () => {
    const sr = vfioPci.build({ variant: 'buggy', disable: 'reset' });
    const rr = explore(sr);
    expect(rr.verdict).toBe('violation');
    const ops = rr.counterexample!.steps.map((st) => st.op);
    expect(ops).toContain('pci_try_reset_function');
    expect(ops).not.toContain('pci_restore_state');
    expect(ops[ops.length - 1]).toBe('load');
    expect(replay(sr, rr.counterexample!.schedule).outcome).toBe('violation');
  });

  it('every script, and more mappings, fail the same way', () => {
    for (const script of SCRIPTS) {
      for (const mappings of [1, 3]) {
        const rs = explore(vfioPci.build({ variant: 'buggy', script, mappings }));
        expect(rs.verdict, `${script} ${mappings}`).toBe('violation');
        expect(rs.counterexample!.rule).toBe('mmio-while-disabled');
      }
    }
  });
});

describe('naive-order: memory_lock before mmap_sem deadlocks once a writer queues on mmap_sem', () => {
  const s = vfioPci.build({ variant: 'naive-order' });
  const r = explore(s);

  it('three threads block in a cycle: the fault, the zap, and mmap() queued between them', () => {
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe(
      "Deadlock: T1, T2 and T3 can never run again; T1 waits in down_read on vdev.memory_lock held for write by T2; T2 waits in down_read on P1.mm.mmap_sem queued behind T3's down_write; T3 waits in down_write on P1.mm.mmap_sem held for read by T1.",
    );
    const steps = r.counterexample!.steps;
    expect(steps.filter((st) => st.blocked).map(show)).toEqual([
      'T3 down_write P1.mm.mmap_sem (blocked)', 'T2 down_read P1.mm.mmap_sem (blocked)', 'T1 down_read vdev.memory_lock (blocked)',
    ]);
    const last = (t: string) => steps.filter((st) => st.thread === t).pop()!;
    expect(last('T1').line).toBe(line('naive-order', 'n.f.down'));
    expect(last('T1').stack).toEqual([line('naive-order', 'w.load2'), line('naive-order', 'n.f.down')]);
    expect(last('T2').line).toBe(line('naive-order', 'n.z.mmap'));
    expect(last('T3').line).toBe(line('naive-order', 'm.mmap'));
    const state = finalState(s, r);
    const th = (n: string) => state.threads.find((t) => t.name === n)!;
    expect(th('T1').holds).toEqual([{ lock: 'P1.mm.mmap_sem', mode: 'read' }]);
    expect(th('T2').holds).toEqual([{ lock: 'vdev.memory_lock', mode: 'write' }, { lock: 'vdev.vma_lock', mode: 'exclusive' }]);
    expect(th('T3').holds).toEqual([]);
    expect([th('T1').waiting!.blockers, th('T2').waiting!.blockers, th('T3').waiting!.blockers]).toEqual([['T2'], ['T3'], ['T1']]);
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('deadlock');
  });

  it('both sides take mmap_sem for read, so without the queued writer there is no deadlock', { timeout: 30_000 }, () => {
    expect(explore(vfioPci.build({ variant: 'naive-order', policy: 'reader-preferring' })).verdict).toBe('ok');
    expect(explore(vfioPci.build({ variant: 'naive-order', policy: 'fifo' })).verdict).toBe('deadlock');
    for (const script of ['5a', '5c'] as const) expect(explore(vfioPci.build({ variant: 'naive-order', script })).verdict, script).toBe('ok');
  });

  it('lockdep names the mmap_sem ↔ memory_lock inversion from the search and from one execution that did not deadlock', () => {
    const circular = (w: { kind: string; classes: string[] }) => w.kind === 'circular' && w.classes.includes('mmap_sem') && w.classes.includes('memory_lock');
    expect(r.lockdep.warnings.some(circular)).toBe(true);
    // T1's fault runs to the end, then T2 zaps, then T3 maps: nothing blocks.
    const sim = simulate(s);
    for (const t of ['T1', 'T2', 'T3']) runOut(sim, t);
    expect(sim.outcome?.verdict).toBe('ok');
    const t = replay(s, sim.schedule);
    expect(t.outcome).toBe('ok');
    const w = t.lockdep.warnings.find(circular)!;
    expect(w.title).toBe('possible circular locking dependency detected');
    expect(w.text).toContain('vfio_pci_zap_and_down_write_memory_lock');
    expect(w.text).toContain('vfio_pci_mmap_fault');
  });

  it('the deadlock holds as the zap has more mms to visit and with a reset', () => {
    for (const p of [{ mappings: 2 }, { mappings: 3 }, { disable: 'reset' }, { faults: 2 }] as Record<string, string | number>[]) {
      const rp = explore(vfioPci.build({ variant: 'naive-order', ...p }));
      expect(rp.verdict, JSON.stringify(p)).toBe('deadlock');
      expect(rp.counterexample!.steps.filter((st) => st.blocked).map((st) => st.thread).sort()).toEqual(['T1', 'T2', 'T3']);
    }
  }, 60_000);
});

describe('v5.8 (abafbc551fdd): pwrite from a buffer in the device\'s own mapping', () => {
  const s = vfioPci.build({ variant: 'v5.8' });
  const r = explore(s);

  it('T1 holds memory_lock for read across the copy and faults into the driver; T2 holds vma_lock and waits for memory_lock', () => {
    expect(r.verdict).toBe('deadlock');
    expect(r.message).toBe('Deadlock: T1 and T2 can never run again; T1 waits in mutex_lock on vdev.vma_lock held by T2; T2 waits in down_write on vdev.memory_lock held for read by T1.');
    const steps = r.counterexample!.steps;
    expect(steps.filter((st) => st.blocked).map(show)).toEqual(['T2 down_write vdev.memory_lock (blocked)', 'T1 mutex_lock vdev.vma_lock (blocked)']);
    const t1 = steps.filter((st) => st.thread === 'T1').pop()!;
    expect(t1.stack).toEqual([line('v5.8', 'c5.pwrite'), line('v5.8', 'rw.copy'), line('v5.8', 'f.lock')]);
    expect(fnOf('v5.8', t1.line)).toBe('vfio_pci_mmap_fault');
    const t2 = steps.filter((st) => st.thread === 'T2').pop()!;
    expect(t2.stack).toEqual([line('v5.8', 'off.write'), line('v5.8', 'c.zap'), line('v5.8', 'zd.down')]);
    const state = finalState(s, r);
    const th = (n: string) => state.threads.find((t) => t.name === n)!;
    expect(th('T1').holds).toEqual([{ lock: 'vdev.memory_lock', mode: 'read' }, { lock: 'P1.mm.mmap_sem', mode: 'read' }]);
    expect(th('T1').waiting).toMatchObject({ op: 'mutex_lock', object: 'vdev.vma_lock', blockers: ['T2'] });
    expect(th('T2').holds).toEqual([{ lock: 'vdev.vma_lock', mode: 'exclusive' }]);
    expect(th('T2').waiting).toMatchObject({ op: 'down_write', object: 'vdev.memory_lock', blockers: ['T1'] });
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('deadlock');
  });

  it('the mutex leg does not depend on rwsem fairness, and the deadlock holds as the case grows', () => {
    for (const p of [{ policy: 'fifo' }, { policy: 'reader-preferring' }, { mappings: 2 }, { mappings: 3 }, { disable: 'reset' }, { faults: 2 }] as Record<string, string | number>[]) {
      const rp = explore(vfioPci.build({ variant: 'v5.8', ...p }));
      expect(rp.verdict, JSON.stringify(p)).toBe('deadlock');
      expect(rp.complete).toBe(true);
      expect(rp.counterexample!.steps.filter((st) => st.blocked).map(show), JSON.stringify(p)).toEqual(['T2 down_write vdev.memory_lock (blocked)', 'T1 mutex_lock vdev.vma_lock (blocked)']);
    }
  }, 60_000);

  it('lockdep reports the recursive read of memory_lock from an execution that did not deadlock', () => {
    const sim = simulate(s);
    runOut(sim, 'T1');
    runOut(sim, 'T2');
    expect(sim.outcome?.verdict).toBe('ok');
    const t = replay(s, sim.schedule);
    const rec = t.lockdep.warnings.find((w) => w.kind === 'recursive')!;
    expect(rec.classes).toEqual(['memory_lock']);
    expect(rec.text).toContain('vfio_pci_bar_rw');
    expect(rec.text).toContain('vfio_pci_mmap_fault');
  });

  it('derivation: as merged, a zap can run between the fault\'s unlock of vma_lock and its remap, and a later access reaches disabled memory (script 5a)', () => {
    const s5a = vfioPci.build({ variant: 'v5.8', script: '5a' });
    const r5a = explore(s5a);
    expect(r5a.verdict).toBe('violation');
    expect(r5a.message).toMatch(/^T1's load at 0x100000 reached pdev\.bar0 while pdev\.command has memory decode off \(T2 turned it off at step \d+\)/);
    const steps = r5a.counterexample!.steps;
    const zap = steps.findIndex((st) => st.op === 'zap_vma_ptes');
    const remap = steps.findIndex((st) => st.op === 'remap_pfn_range');
    const unlock = steps.findIndex((st) => st.thread === 'T1' && st.line === line('v5.8', 'f.unlock2'));
    expect(steps[zap]!.note).toBe('zaps 0 pages of P1.mm.vma@0x100000');
    expect(unlock).toBeLessThan(zap);
    expect(zap).toBeLessThan(remap);
    expect(steps[steps.length - 1]!.thread).toBe('T1');
    expect(steps[steps.length - 1]!.op).toBe('load');
    expect(replay(s5a, r5a.counterexample!.schedule).outcome).toBe('violation');
    // Holding vma_lock across the remap closes the window.
    expect(explore(vfioPci.build({ variant: 'fixed', script: '5a' })).verdict).toBe('ok');
  });
});

describe('fixed: the document\'s order, per-access memory_lock in bar_rw, vma_lock across the remap', () => {
  const s = vfioPci.build({ variant: 'fixed' });
  const { report: r, snaps } = exploreAll(s);

  it('no execution fails; lockdep sees no inversion and no recursion', () => {
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.lockdep.warnings).toEqual([]);
    const edges = r.lockdep.edges.map((e) => `${e.from} -> ${e.to}`);
    expect(edges).toEqual(expect.arrayContaining(['mmap_sem -> vma_lock', 'vma_lock -> memory_lock', 'mmap_sem -> memory_lock']));
    expect(edges).not.toContain('memory_lock -> mmap_sem');
  });

  it('accesses while memory is off get SIGBUS (the mapping) or -EIO (pread), and never reach the device', () => {
    const t1 = snaps.map((snap) => seen(snap, 'T1'));
    expect(t1.some((x) => x.includes('load BAR0 → SIGBUS'))).toBe(true);
    expect(t1.some((x) => x.includes('pread BAR0 → -EIO'))).toBe(true);
    expect(t1.some((x) => x.every((y) => y.endsWith('→ ok') || y.endsWith('→ 4')))).toBe(true);
  });

  it('re-enabling memory lets the next fault track the VMA again and map it (script 5b, stepped by hand)', () => {
    const sim = simulate(s);
    const vmaList = () => (sim.snapshot().objects.find((o) => o.name === 'vdev.vma_list')!.vmas as string[]);
    const present = () => (sim.snapshot().objects.find((o) => o.name === 'P1.mm.pgd')!.present as number[]);
    runThrough(sim, 'T1', 'load', 2); // faults, then reads BAR0
    expect(vmaList()).toEqual(['P1.mm.vma@0x100000']);
    runThrough(sim, 'T2', 'up_write'); // memory off: zapped and untracked
    expect(vmaList()).toEqual([]);
    expect(present()).toEqual([]);
    runThrough(sim, 'T1', 'up_read'); // pread: memory_lock, disabled, -EIO
    runThrough(sim, 'T2', 'up_write'); // memory on again
    runOut(sim, 'T1'); // the load faults, tracks the VMA and maps it
    expect(sim.outcome?.verdict).toBe('ok');
    expect(seen(sim.snapshot(), 'T1')).toEqual(['load BAR0 → ok', 'pread BAR0 → -EIO', 'load BAR0 → ok']);
    expect(seen(sim.snapshot(), 'T2')).toEqual(['PCI_COMMAND = IO → 0', 'PCI_COMMAND = IO | MEMORY → 0']);
    expect(vmaList()).toEqual(['P1.mm.vma@0x100000']);
    expect(present()).toEqual([0x100000]);
  });

  it('stays ok across scripts, policies, resets, more mappings and a looser fault bound', () => {
    const grid: Record<string, string | number>[] = [];
    for (const script of SCRIPTS) for (const policy of ['phase-fair', 'fifo', 'reader-preferring']) grid.push({ script, policy });
    for (const script of SCRIPTS) grid.push({ script, disable: 'reset' });
    for (const script of ['5a', '5c', 'writer']) grid.push({ script, mappings: 3 }, { script: '5a', accesses: 3 });
    grid.push({ script: '5b', mappings: 2 }, { script: '5a', faults: 2 }, { script: '5c', faults: 3 }, { script: '5c', mappings: 2, faults: 2 });
    for (const p of grid) {
      const rp = explore(vfioPci.build({ variant: 'fixed', ...p }));
      expect(rp.verdict, JSON.stringify(p)).toBe('ok');
      expect(rp.complete, JSON.stringify(p)).toBe(true);
    }
  }, 120_000);

  it('the pwrite from the device\'s own mapping (the threads of v5.8) completes or fails cleanly', () => {
    const s5c = vfioPci.build({ variant: 'fixed', script: '5c' });
    const { report, snaps: ends } = exploreAll(s5c);
    expect(report.verdict).toBe('ok');
    const results = new Set(ends.map((snap) => seen(snap, 'T1').join('; ')));
    expect([...results].sort()).toEqual([
      "pwrite BAR1 from BAR0's mapping → -EFAULT", // the copy's fault got SIGBUS (memory was off), or a zap undid it and the model stopped retrying
      "pwrite BAR1 from BAR0's mapping → -EIO", // copied, then memory was off for the write
      "pwrite BAR1 from BAR0's mapping → 4",
    ]);
  });
});

describe('vfio-pci: counterexamples and executions carry listing lines', () => {
  it('every step of every counterexample, in every variant and script, carries a line of its listing', () => {
    for (const variant of VARIANTS) {
      for (const script of SCRIPTS) {
        const s = vfioPci.build({ variant, script });
        const r = explore(s);
        if (!r.counterexample) continue;
        const n = s.listing!.text.split('\n').length;
        for (const st of r.counterexample.steps) {
          expect(st.line, `${variant} ${script} ${show(st)}`).toBeDefined();
          expect(st.line!).toBeLessThanOrEqual(n);
          expect(fnOf(variant, st.line), `${variant} ${script} ${show(st)}`).toBeDefined();
        }
        expect(replay(s, r.counterexample.schedule).outcome).toBe(r.verdict);
      }
    }
  }, 60_000);

  it('so does every step of the executions of the defaults', () => {
    for (const variant of VARIANTS) {
      const s = vfioPci.build({ variant });
      const schedules: string[] = [];
      explore(s, { onExecution: (e) => void (e.verdict !== 'redundant' && schedules.length < 40 && schedules.push(e.schedule)) });
      for (const sched of schedules) for (const st of replay(s, sched).steps) expect(st.line, `${variant} ${sched} ${show(st)}`).toBeDefined();
    }
  }, 60_000);
});

describe('vfio-pci: the reduction against brute force (footprints)', () => {
  const compare = (s: Scenario) => {
    // Bounded by executions, not by wall-clock time: a loaded machine must not make it incomplete.
    const d = exploreAll(s, { timeBudgetMs: Infinity });
    const b = exploreAll(s, { reduction: 'none', maxExecutions: 200_000, timeBudgetMs: Infinity });
    expect(b.report.complete, b.report.message).toBe(true);
    expect(d.report.complete).toBe(true);
    expect(d.report.verdict).toBe(b.report.verdict);
    expect(d.report.counterexample?.steps.length).toBe(b.report.counterexample?.steps.length);
    expect([...d.finals].sort()).toEqual([...b.finals].sort());
    return d.report;
  };

  it('small scripts: the same verdict, the same shortest failure and the same final states', () => {
    for (const script of SCRIPTS) expect(compare(vfioPci.build({ variant: 'buggy', script })).verdict).toBe('violation');
    expect(compare(vfioPci.build({ variant: 'naive-order', script: '5c' })).verdict).toBe('ok');
    expect(compare(vfioPci.build({ variant: 'fixed', script: '5a' })).verdict).toBe('ok');
  }, 120_000);

  it('the defaults: every final state brute force reaches within a preemption bound is one the reduction reached, and no shorter failure exists there', () => {
    for (const [variant, script, bound] of [['naive-order', 'auto', 2], ['v5.8', 'auto', 2], ['fixed', 'auto', 2], ['v5.8', '5a', 2]] as const) {
      const s = vfioPci.build({ variant, script });
      const d = exploreAll(s);
      const b = exploreAll(s, { reduction: 'none', preemptionBound: bound, maxExecutions: 100_000 });
      expect(b.report.stats.executions).toBeLessThan(100_000);
      for (const f of b.finals) expect(d.finals.has(f), `${variant}: a final state the reduction missed`).toBe(true);
      if (d.report.counterexample) {
        // Brute force sees only schedules with few preemptions: its shortest failure is never shorter,
        // and for the deadlocks (one preemption) it is the same one.
        expect(b.report.verdict).toBe(d.report.verdict);
        expect(b.report.counterexample!.steps.length).toBeGreaterThanOrEqual(d.report.counterexample.steps.length);
        if (script === 'auto') expect(b.report.counterexample!.steps.length).toBe(d.report.counterexample.steps.length);
      } else {
        expect(b.report.verdict).toBe('incomplete'); // no failure found, bound reached
      }
    }
  }, 120_000);
});

describe('vfio-pci: the device model', () => {
  it('an access to a BAR while memory decode is off is a violation, through a mapping or from the kernel (ioread32)', () => {
    const s = scenario('disabled', (k) => {
      const vdev = k.object((w) => new VfioPciDevice(w, 'vdev'));
      const P = k.process('P', { lock: 'mmap_sem' });
      const file = P.open('devfd');
      const m = mapBarAtBuild(P.mm, file, vdev, 0, 0x100000, true);
      P.thread('T1', function* () {
        yield* vfio_default_config_write(vdev, PCI_COMMAND_IO);
        yield* mmio_load(m);
      });
    });
    const r = explore(s);
    expect(r.counterexample!.rule).toBe('mmio-while-disabled');
    expect(r.message).toBe("T1's load at 0x100000 reached pdev.bar0 while pdev.command has memory decode off (T1 turned it off at step 1): the device may raise a fatal error and crash the host");
    const k = scenario('kernel', (w) => {
      const vdev = w.object((x) => new VfioPciDevice(x, 'vdev'));
      w.thread('T2', function* () {
        yield* vfio_default_config_write(vdev, PCI_COMMAND_IO);
      });
      w.thread('K', function* () {
        yield* ioread32(vdev, 1);
      });
    });
    const rk = explore(k);
    const st = scenario('store', (w) => {
      const vdev = w.object((x) => new VfioPciDevice(x, 'vdev'));
      const P = w.process('P', { lock: 'mmap_sem' });
      const m = mapBarAtBuild(P.mm, P.open('devfd'), vdev, 2, 0x200000, true);
      const n = mapBarAtBuild(P.mm, P.open('devfd2'), vdev, 0, 0x100000, false);
      P.thread('T1', function* () {
        expect(yield* mmio_store(m, 0x2a)).toBe('ok');
        yield* pagefault_disable();
        expect(yield* copy_from_user_bar(n)).toBe(4); // not mapped, no fault: nothing copied
        yield* pagefault_enable();
      });
    });
    const sim = simulate(st);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.snapshot().objects.find((o) => o.name === 'pdev.bar2')!.summary).toBe('BAR2: last written 0x2a by T1 at step 1');
    expect(sim.steps.map((x) => x.op)).toEqual(['store', 'pagefault_disable', 'copy_from_user', 'pagefault_enable']);
    expect(rk.message).toBe("K's ioread32 reached pdev.bar1 while pdev.command has memory decode off (T2 turned it off at step 1): the device may raise a fatal error and crash the host");
    expect(rk.counterexample!.schedule).toBe('ab');
  });

  it('vma_list is changed only under vma_lock; the driver before v5.8 has no memory_lock', () => {
    const s = scenario('unlocked add', (k) => {
      const vdev = k.object((w) => new VfioPciDevice(w, 'vdev'));
      const P = k.process('P');
      const vma = P.mm.addVma(0x100000, 0x1000);
      P.thread('T1', function* () {
        yield* __vfio_pci_add_vma(vdev, vma);
      });
    });
    expect(explore(s).message).toBe('T1 called __vfio_pci_add_vma without holding vdev.vma_lock');
    const old = scenario('old', (k) => {
      const vdev = k.object((w) => new VfioPciDevice(w, 'vdev', { series: false }));
      k.thread('T', function* () {
        yield* ioread32(vdev, 0);
      });
      expect(() => vdev.memory_lock).toThrow('vdev models the driver before v5.8, which has no memory_lock, vma_lock or vma_list');
    });
    expect(explore(old).verdict).toBe('ok');
  });

  it('a process that exits while its BAR is zapped: the zap skips its exiting mm or close untracks the VMA, with no use after free and no leak', () => {
    const s = scenario('exit during zap', (k) => {
      const vdev = k.object((w) => new VfioPciDevice(w, 'vdev'));
      const P = k.process('P', { lock: 'mmap_sem' });
      const devfd = k.file('devfd', { mmap: fixedDriver.mmap });
      devfd.private_data = vdev;
      const m = mapBarAtBuild(P.mm, devfd, vdev, 0, 0x100000, true);
      m.vma.vm_ops = fixedDriver.vmOps;
      vdev.vma_list.add(m.vma);
      P.thread('T1', function* () {
        yield* do_exit();
      });
      k.thread('T2', function* () {
        yield* fixedDriver.configWrite(vdev, PCI_COMMAND_IO);
      });
    });
    const notes: string[] = [];
    const r = explore(s, {
      onExecution: (e) => {
        if (e.verdict !== 'redundant') for (const st of replay(s, e.schedule).steps) if (st.op === 'list_del' && st.note) notes.push(st.note);
      },
    });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(notes).toContain('removes P.mm.vma@0x100000 (of P.mm, which is exiting)');
    expect(notes).toContain('removes P.mm.vma@0x100000 (for P.mm.vma@0x100000, which is closing)');
    expect(notes).toContain('removes P.mm.vma@0x100000 (of P.mm)');
  });
});
