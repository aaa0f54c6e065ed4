import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { at, down_read, down_write, listing, scenario, up_read, up_write } from '../src/index.ts';
import { paramGrid, resolveParams, type Case } from '../src/cases/index.ts';
import { main } from '../src/cli/main.ts';
import { progressLine } from '../src/cli/progress.ts';

/** A small case of our own, shaped like the site's: the cxl bug in miniature, with a policy parameter. */
const source = `
int cxllib_handle_fault(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);           //@R1
	copro_handle_mm_fault(mm);           //@fault
	up_read(&mm->mmap_sem);
}

int copro_handle_mm_fault(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);           //@R2
	up_read(&mm->mmap_sem);
}

long sys_brk(struct mm_struct *mm)
{
	down_write(&mm->mmap_sem);          //@W1
	up_write(&mm->mmap_sem);
}
`;
const l = listing(source);
const demo: Case = {
  id: 'cxl',
  title: 'demo',
  subsystem: 'demo',
  summary: 'a recursive read',
  variants: [
    { id: 'buggy', label: 'buggy', description: 'reads twice', expected: 'deadlock' },
    { id: 'fixed', label: 'fixed', description: 'reads once', expected: 'ok' },
  ],
  params: [{ name: 'policy', description: 'rwsem policy', default: 'fifo', values: ['fifo', 'reader-preferring'] }],
  listings: { buggy: l, fixed: l },
  upstream: { subject: 'demo', author: 'nobody', date: '2018' },
  build(params = {}) {
    const p = resolveParams(demo, params);
    return scenario(`demo ${p.variant}`, (k) => {
      const sem = k.rwsem('mmap_sem', { policy: p.policy as 'fifo' });
      k.thread('T1', function* () {
        if (p.variant === 'buggy') yield* at('R1', down_read(sem));
        yield* at('fault', (function* () {
          yield* at('R2', down_read(sem));
          yield* up_read(sem);
        })());
        if (p.variant === 'buggy') yield* up_read(sem);
      });
      k.thread('T2', function* () {
        yield* at('W1', down_write(sem));
        yield* up_write(sem);
      });
    }, { listing: l });
  },
};

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const sources = { cases: () => ({ cxl: demo }), module: (path: string) => import(resolve(import.meta.dirname, path)) };
  const status = await main(argv, sources, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { status, out, err };
}

describe('interleave (command line)', () => {
  it('explore prints the timeline as the seed reads: thread, operation, object, what happened, where', async () => {
    const r = await run('explore', 'cxl');
    expect(r.status).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('cxl (buggy): deadlock');
    expect(lines.slice(3, 6)).toEqual([
      '  1.  T1  down_read   mmap_sem  acquired mmap_sem for read  [cxllib_handle_fault:3]',
      '  2.  T2  down_write  mmap_sem  waits: held for read by T1  [sys_brk:16]',
      "  3.  T1  down_read   mmap_sem  waits: queued behind T2's down_write  [copro_handle_mm_fault:10]",
    ]);
    expect(r.out).toContain('schedule: aba  (interleave replay cxl aba)');
    expect(r.out).toContain('lockdep: possible recursive locking detected (mmap_sem); --lockdep prints the report');
  });

  it('the fixed variant and a parameter change the verdict and the exit status', async () => {
    expect((await run('explore', 'cxl', '--variant', 'fixed')).status).toBe(0);
    const rp = await run('explore', 'cxl', '--param', 'policy=reader-preferring');
    expect(rp.status).toBe(0);
    expect(rp.out).toMatch(/^cxl \(buggy\): ok\nNo execution fails/);
  });

  it('--json prints the report; --lockdep prints lockdep in the kernel\'s shape', async () => {
    const r = JSON.parse((await run('explore', 'cxl', '--json')).out);
    expect(r).toMatchObject({ case: 'cxl', params: { variant: 'buggy', policy: 'fifo' }, verdict: 'deadlock', counterexample: { schedule: 'aba' } });
    expect((await run('explore', 'cxl', '--lockdep')).out).toContain('WARNING: possible recursive locking detected');
  });

  it('--no-state-cache explores without the state cache', async () => {
    const cached = JSON.parse((await run('explore', 'cxl', '--variant', 'fixed', '--json')).out);
    const plain = JSON.parse((await run('explore', 'cxl', '--variant', 'fixed', '--json', '--no-state-cache')).out);
    expect([cached.verdict, plain.verdict]).toEqual(['ok', 'ok']);
    expect([cached.options.stateCache, plain.options.stateCache]).toEqual(['choices', 0]);
    expect(cached.stats.revisits).toBeGreaterThanOrEqual(0);
    expect(plain.stats.revisits).toBeUndefined();
  });

  it('bounds: an incomplete search exits 3', async () => {
    const r = await run('explore', 'cxl', '--variant', 'fixed', '--max-executions', '1');
    expect(r.status).toBe(3);
    expect(r.out).toContain('incomplete: the search stopped after 1 execution (--max-executions)');
  });

  it('replay re-runs a schedule, and rejects one that does not fit', async () => {
    const ok = await run('replay', 'cxl', 'aba');
    expect(ok.status).toBe(1);
    expect(ok.out).toContain('cxl (buggy): deadlock');
    const bad = await run('replay', 'cxl', 'abb');
    expect(bad.status).toBe(2);
    expect(bad.err).toBe("interleave: schedule 'abb' does not fit 'demo buggy': step 3 picks T2, but T2 waits in down_write on mmap_sem held for read by T1\n");
  });

  it('list names every case, variant and parameter', async () => {
    const r = await run('list');
    expect(r.status).toBe(0);
    expect(r.out).toContain('cxl  demo: a recursive read');
    expect(r.out).toContain('--variant fixed        ok');
    expect(r.out).toContain('--param policy=fifo    rwsem policy (fifo, reader-preferring)');
    expect(JSON.parse((await run('list', '--json')).out)[0]).toMatchObject({ id: 'cxl', params: [{ name: 'policy' }] });
  });

  const usage: [string[], string][] = [
    [['explore', 'nope'], "unknown case 'nope' (cases: cxl; a file needs a path, e.g. ./nope.ts)"],
    [['explore', 'cxl', '--variant', 'v5.8'], "cxl: unknown variant 'v5.8' (variants: buggy, fixed)"],
    [['explore', 'cxl', '--param', 'threads=4'], "cxl: unknown parameter 'threads' (parameters: policy)"],
    [['explore', 'cxl', '--param', 'policy=fair'], "cxl: parameter 'policy' must be one of fifo, reader-preferring, got 'fair'"],
    [['explore', 'cxl', '--param', 'policy'], "--param expects <name>=<value>, got 'policy'"],
    [['explore', 'cxl', '--max-steps', 'many'], "--max-steps expects a number, got 'many'"],
    [['explore', 'cxl', '--max-steps', '0'], 'explore: --max-steps must be an integer ≥ 1 (or Infinity), got 0'],
    [['explore', 'cxl', '--variant'], '--variant needs a value'],
    [['explore', 'cxl', '--fast'], "unknown option '--fast'"],
    [['explore'], 'explore needs a case id or a file'],
    [['explore', 'cxl', 'extra'], "unexpected argument 'extra'"],
    [['frob'], "unknown command 'frob' (commands: list, explore, replay)"],
  ];
  for (const [argv, reason] of usage) {
    it(`bad usage exits 2 with one line: ${argv.join(' ')}`, async () => {
      const r = await run(...argv);
      expect(r).toEqual({ status: 2, out: '', err: `interleave: ${reason}\n` });
    });
  }

  it('explores and replays a scenario from the user\'s own file; --export picks one of several', async () => {
    const file = './fixtures/two-scenarios.ts';
    const several = await run('explore', file);
    expect(several).toEqual({ status: 2, out: '', err: `interleave: ${file} exports 2 scenarios (buggy, fixed): pick one with --export <name>\n` });
    const r = await run('explore', file, '--export', 'buggy');
    expect(r.status).toBe(1);
    expect(r.out.split('\n')[0]).toBe(`abba buggy (${file} --export buggy): deadlock`);
    expect(r.out).toContain(`schedule: ab2a  (interleave replay ${file} ab2a --export buggy)`);
    expect(r.out).toContain('lockdep: possible circular locking dependency detected (B -> A)');
    expect((await run('explore', file, '--export', 'fixed')).status).toBe(0);
    expect(JSON.parse((await run('explore', file, '--export', 'buggy', '--json')).out)).toMatchObject({ file, export: 'buggy', verdict: 'deadlock' });
    const replayed = await run('replay', file, 'ab2a', '--export', 'buggy');
    expect(replayed.status).toBe(1);
    expect(replayed.out).toMatch(/^abba buggy \(.*\): deadlock\nDeadlock: T1 and T2/);
  });

  const fileErrors: [string[], string | ReturnType<typeof expect.stringMatching>][] = [
    [['explore', './fixtures/no-scenario.mjs'], './fixtures/no-scenario.mjs exports no scenario (export one made by scenario(name, build), e.g. export const s = scenario(...))'],
    [['explore', './fixtures/throws.mjs'], './fixtures/throws.mjs threw while loading: TypeError: mm is undefined'],
    [['explore', './fixtures/missing.ts'], 'cannot load ./fixtures/missing.ts: no such file'],
    [['explore', './fixtures/imports-missing.mjs'], expect.stringMatching(/^\.\/fixtures\/imports-missing\.mjs threw while loading: Error: Cannot find package 'no-such-package' imported from /)],
    [['explore', './fixtures/two-scenarios.ts', '--export', 'nope'], "./fixtures/two-scenarios.ts has no scenario exported as 'nope' (its scenarios: buggy, fixed)"],
    [['explore', './fixtures/two-scenarios.ts', '--variant', 'fixed'], '--variant and --param choose a built-in case\'s variant; ./fixtures/two-scenarios.ts is a file (use --export to pick its scenario)'],
    [['explore', 'cxl', '--export', 'buggy'], "--export picks a scenario of a file; 'cxl' is a built-in case"],
    [['explore', './fixtures/no-star.ts'], 'T1 yielded a kernel operation without the star: write yield* op(...) (e.g. yield* mutex_lock(m)), not yield op(...)'],
  ];
  for (const [argv, reason] of fileErrors) {
    it(`a file that cannot be explored gets one line and exit 2: ${argv.slice(1).join(' ')}`, async () => {
      const r = await run(...argv);
      expect([r.status, r.out]).toEqual([2, '']);
      expect(r.err.split('\n')).toHaveLength(2); // one line
      if (typeof reason === 'string') expect(r.err).toBe(`interleave: ${reason}\n`);
      else expect(r.err.slice('interleave: '.length)).toEqual(reason);
    });
  }

  it('no arguments: the usage on stderr, exit 2; help: the usage on stdout, exit 0', async () => {
    const none = await run();
    expect(none.status).toBe(2);
    expect(none.err).toMatch(/^usage:\n/);
    expect((await run('help')).status).toBe(0);
  });

  it('shows progress only on a terminal, only for searches over a second, and clears it', async () => {
    const lines: (string | null)[] = [];
    const io = { out: () => {}, err: () => {}, progress: (l: string | null) => void lines.push(l) };
    const sources = { cases: () => ({ cxl: demo }), module: async () => ({}) };
    await main(['explore', 'cxl'], sources, io);
    expect(lines).toEqual([]);
    const stats = { executions: 5000, steps: 90000, redundant: 0, pruned: 0, failing: 0, longest: 30, ms: 2500 };
    expect(progressLine(stats, { maxExecutions: 100_000, maxSteps: 2000, timeBudgetMs: 20_000, preemptionBound: Infinity, reduction: 'dpor', liveness: false, maxStates: 100_000, stateCache: 'choices' }))
      .toBe('exploring: 5000 executions, 2.5 s, 2000/s; --time-budget 12% used');
  });

  it('runs as the package bin: the committed launcher runs the built command line, and a user\'s .ts file', () => {
    const bin = resolve(import.meta.dirname, '../bin/interleave.js');
    const none = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect([none.status, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toMatch(/^usage:\n  interleave list/);
    const r = spawnSync(process.execPath, [bin, 'explore', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^interleave: unknown case 'nope'/);
    const example = resolve(import.meta.dirname, '../examples/fault-lock.ts');
    const buggy = spawnSync(process.execPath, [bin, 'explore', example, '--export', 'buggy'], { encoding: 'utf8' });
    expect([buggy.status, buggy.stderr]).toEqual([1, '']);
    expect(buggy.stdout).toContain('Deadlock: reader, ioctl and mmap can never run again; reader waits in mutex_lock on dev->lock held by ioctl');
    // Which dependency closes the cycle depends on the order the executions ran in.
    expect(buggy.stdout).toMatch(/lockdep: possible circular locking dependency detected \((dev->lock -> mmap_lock|mmap_lock -> dev->lock)\)/);
    const fixed = spawnSync(process.execPath, [bin, 'explore', example, '--export', 'fixed'], { encoding: 'utf8' });
    expect([fixed.status, fixed.stdout.split('\n')[0]]).toEqual([0, `fault-lock (fixed) (${example} --export fixed): ok`]);
  });
});

describe('the committed launcher (bin/interleave.js)', () => {
  it('before the engine is built, says how to build it and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'interleave-unbuilt-'));
    try {
      mkdirSync(join(dir, 'bin'));
      for (const file of ['interleave.js', 'load.js']) copyFileSync(resolve(import.meta.dirname, '../bin', file), join(dir, 'bin', file));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'interleave.js'), 'list'], { encoding: 'utf8' });
      expect([r.status, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toBe('interleave: the engine is not built yet: run `npm run build:engine` at the top of the repository (or `npm run build` in engine/)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads the bundle with the code cache the build wrote, which V8 accepts', async () => {
    const { load } = await import('../bin/load.js');
    const { run, script } = load();
    expect(script.cachedDataRejected).toBe(false);
    expect(typeof run).toBe('function');
  });
});

describe('case parameters', () => {
  it('fill in defaults and check numbers against their range', async () => {
    const c = { id: 'x', variants: demo.variants, params: [{ name: 'pages', description: '', default: 2, min: 1, max: 8 }] };
    expect(resolveParams(c)).toEqual({ variant: 'buggy', pages: 2 });
    expect(resolveParams(c, { pages: '5', variant: 'fixed' })).toEqual({ variant: 'fixed', pages: 5 });
    expect(() => resolveParams(c, { pages: '9' })).toThrow("x: parameter 'pages' must be an integer from 1 to 8, got \"9\"");
    expect(() => resolveParams(c, { pages: '2.5' })).toThrow('must be an integer from 1 to 8');
    expect(() => resolveParams(c, { pages: 0 })).toThrow('got 0');
  });

  it('paramGrid lists every variant with every value of every parameter', async () => {
    const c = { variants: demo.variants, params: [{ name: 'pages', description: '', default: 1, min: 1, max: 2 }, { name: 'policy', description: '', default: 'fifo', values: ['fifo', 'phase-fair'] }] };
    const grid = paramGrid(c);
    expect(grid).toHaveLength(demo.variants.length * 4);
    expect(grid.slice(0, 4)).toEqual([
      { variant: demo.variants[0]!.id, pages: 1, policy: 'fifo' },
      { variant: demo.variants[0]!.id, pages: 1, policy: 'phase-fair' },
      { variant: demo.variants[0]!.id, pages: 2, policy: 'fifo' },
      { variant: demo.variants[0]!.id, pages: 2, policy: 'phase-fair' },
    ]);
  });
});
