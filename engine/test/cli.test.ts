import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { at, down_read, down_write, listing, scenario, up_read, up_write } from '../src/index.ts';
import { paramGrid, resolveParams, type Case } from '../src/cases/index.ts';
import { main } from '../src/cli/main.ts';

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

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const status = main(argv, { cxl: demo }, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { status, out, err };
}

describe('interleave (command line)', () => {
  it('explore prints the timeline as the seed reads: thread, operation, object, what happened, where', () => {
    const r = run('explore', 'cxl');
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

  it('the fixed variant and a parameter change the verdict and the exit status', () => {
    expect(run('explore', 'cxl', '--variant', 'fixed').status).toBe(0);
    const rp = run('explore', 'cxl', '--param', 'policy=reader-preferring');
    expect(rp.status).toBe(0);
    expect(rp.out).toMatch(/^cxl \(buggy\): ok\nNo execution fails/);
  });

  it('--json prints the report; --lockdep prints lockdep in the kernel\'s shape', () => {
    const r = JSON.parse(run('explore', 'cxl', '--json').out);
    expect(r).toMatchObject({ case: 'cxl', params: { variant: 'buggy', policy: 'fifo' }, verdict: 'deadlock', counterexample: { schedule: 'aba' } });
    expect(run('explore', 'cxl', '--lockdep').out).toContain('WARNING: possible recursive locking detected');
  });

  it('bounds: an incomplete search exits 3', () => {
    const r = run('explore', 'cxl', '--variant', 'fixed', '--max-executions', '1');
    expect(r.status).toBe(3);
    expect(r.out).toContain('incomplete: the search stopped after 1 execution (maxExecutions)');
  });

  it('replay re-runs a schedule, and rejects one that does not fit', () => {
    const ok = run('replay', 'cxl', 'aba');
    expect(ok.status).toBe(1);
    expect(ok.out).toContain('cxl (buggy): deadlock');
    const bad = run('replay', 'cxl', 'abb');
    expect(bad.status).toBe(2);
    expect(bad.err).toBe("interleave: schedule 'abb' does not fit 'demo buggy': step 3 picks T2, but T2 waits in down_write on mmap_sem held for read by T1\n");
  });

  it('list names every case, variant and parameter', () => {
    const r = run('list');
    expect(r.status).toBe(0);
    expect(r.out).toContain('cxl  demo: a recursive read');
    expect(r.out).toContain('--variant fixed        ok');
    expect(r.out).toContain('--param policy=fifo    rwsem policy (fifo, reader-preferring)');
    expect(JSON.parse(run('list', '--json').out)[0]).toMatchObject({ id: 'cxl', params: [{ name: 'policy' }] });
  });

  const usage: [string[], string][] = [
    [['explore', 'nope'], "unknown case 'nope' (cases: cxl)"],
    [['explore', 'cxl', '--variant', 'v5.8'], "cxl: unknown variant 'v5.8' (variants: buggy, fixed)"],
    [['explore', 'cxl', '--param', 'threads=4'], "cxl: unknown parameter 'threads' (parameters: policy)"],
    [['explore', 'cxl', '--param', 'policy=fair'], "cxl: parameter 'policy' must be one of fifo, reader-preferring, got 'fair'"],
    [['explore', 'cxl', '--param', 'policy'], "--param expects <name>=<value>, got 'policy'"],
    [['explore', 'cxl', '--max-steps', 'many'], "--max-steps expects a number, got 'many'"],
    [['explore', 'cxl', '--max-steps', '0'], 'explore: maxSteps must be an integer ≥ 1 (or Infinity), got 0'],
    [['explore', 'cxl', '--variant'], '--variant needs a value'],
    [['explore', 'cxl', '--fast'], "unknown option '--fast'"],
    [['explore'], 'explore needs a case id'],
    [['explore', 'cxl', 'extra'], "unexpected argument 'extra'"],
    [['frob'], "unknown command 'frob' (commands: list, explore, replay)"],
  ];
  for (const [argv, reason] of usage) {
    it(`bad usage exits 2 with one line: ${argv.join(' ')}`, () => {
      const r = run(...argv);
      expect(r).toEqual({ status: 2, out: '', err: `interleave: ${reason}\n` });
    });
  }

  it('runs as the package bin, with help on no arguments', () => {
    const bin = resolve(import.meta.dirname, '../dist/cli.js');
    expect(execFileSync(process.execPath, [bin], { encoding: 'utf8' })).toMatch(/^usage:\n  interleave list/);
    const r = spawnSync(process.execPath, [bin, 'explore', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^interleave: unknown case 'nope'/);
  });
});

describe('case parameters', () => {
  it('fill in defaults and check numbers against their range', () => {
    const c = { id: 'x', variants: demo.variants, params: [{ name: 'pages', description: '', default: 2, min: 1, max: 8 }] };
    expect(resolveParams(c)).toEqual({ variant: 'buggy', pages: 2 });
    expect(resolveParams(c, { pages: '5', variant: 'fixed' })).toEqual({ variant: 'fixed', pages: 5 });
    expect(() => resolveParams(c, { pages: '9' })).toThrow("x: parameter 'pages' must be an integer from 1 to 8, got \"9\"");
    expect(() => resolveParams(c, { pages: '2.5' })).toThrow('must be an integer from 1 to 8');
    expect(() => resolveParams(c, { pages: 0 })).toThrow('got 0');
  });

  it('paramGrid lists every variant with every value of every parameter', () => {
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
