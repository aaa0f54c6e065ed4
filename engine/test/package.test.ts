import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The engine as a reader gets it: packed by the script the site's build runs (which serves it at
 * /engine/interleave-engine.tgz), installed into an empty folder with no registry, imported from plain
 * JavaScript and from strict TypeScript, and run as a command. `npm test` builds engine/dist first.
 */
const engine = resolve(import.meta.dirname, '..');
const tsc = resolve(engine, '..', 'node_modules', '.bin', 'tsc');
const dir = mkdtempSync(join(tmpdir(), 'interleave-consumer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  execFileSync(process.execPath, [join(engine, 'scripts', 'pack-for-site.js'), dir], { stdio: 'pipe' });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', './interleave-engine.tgz'], { cwd: dir, stdio: 'pipe' });
}, 60_000);

const scenarioSource = `
const s = scenario('recursive read', (k) => {
  const sem = k.rwsem('mmap_sem');
  k.thread('T1', function* () {
    yield* down_read(sem);
    yield* down_read(sem);
    yield* up_read(sem);
    yield* up_read(sem);
  });
  k.thread('T2', function* () {
    yield* down_write(sem);
    yield* up_write(sem);
  });
});
`;

const main = `
import { scenario, explore, replay, down_read, up_read, down_write, up_write } from '@interleave/engine';
import { caseIds, getCase } from '@interleave/engine/cases';
${scenarioSource}
const r = explore(s);
const exported = async (path) => { try { await import(path); return true; } catch (e) { return e.code; } };
console.log(JSON.stringify({
  verdict: r.verdict,
  schedule: r.counterexample.schedule,
  replayed: replay(s, r.counterexample.schedule).outcome,
  lockdep: r.lockdep.warnings.map((w) => w.title),
  caseIds,
  unknown: (() => { try { getCase('nope'); } catch (e) { return e.message.split(' (')[0]; } })(),
  perCase: await exported('@interleave/engine/cases/cxl'),
  internal: await exported('@interleave/engine/internal/cases/cxl'),
}));
`;

/** A strict TypeScript consumer: a typing mistake here must fail the check. */
const typed = `
import { scenario, explore, down_read, up_read, down_write, up_write, type Report, type Verdict } from '@interleave/engine';
import { caseIds, type CaseId } from '@interleave/engine/cases';
${scenarioSource}
const r: Report = explore(s, { maxExecutions: 100 });
const v: Verdict = r.verdict;
const first: CaseId | undefined = caseIds[0];
export { v, first };
`;

function tsconfig(module: string, moduleResolution: string) {
  return JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2023'], types: [], module, moduleResolution }, files: ['main.ts'] });
}

describe('@interleave/engine as a package', () => {
  it('has no runtime dependencies, a license, engines, main and types, and exports only its entry points', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', '@interleave', 'engine', 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg).toMatchObject({ license: 'MIT', main: './dist/index.js', types: './dist/index.d.ts', engines: { node: expect.any(String) } });
    expect(Object.keys(pkg.exports)).toEqual(['.', './cases', './internal/cases/*', './package.json']);
    expect(readFileSync(join(dir, 'node_modules', '@interleave', 'engine', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('imports from plain JavaScript; a per-case module only through the internal path', () => {
    writeFileSync(join(dir, 'main.mjs'), main);
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      verdict: 'deadlock',
      schedule: 'aba',
      replayed: 'deadlock',
      lockdep: ['possible recursive locking detected'],
      caseIds: ['cxl', 'hmm', 'userfaultfd', 'intel-svm', 'vfio-pci'],
      unknown: "unknown case 'nope'",
      perCase: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      internal: true,
    });
  });

  for (const [module, resolution] of [['nodenext', 'nodenext'], ['esnext', 'bundler']] as const) {
    it(`type-checks from strict TypeScript (module ${module}, moduleResolution ${resolution}), and rejects a wrong type`, () => {
      writeFileSync(join(dir, 'main.ts'), typed);
      writeFileSync(join(dir, 'tsconfig.json'), tsconfig(module, resolution));
      const ok = spawnSync(tsc, ['-p', dir], { encoding: 'utf8' });
      expect(ok.stdout + ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      writeFileSync(join(dir, 'main.ts'), typed.replace('const v: Verdict', 'const v: number'));
      const bad = spawnSync(tsc, ['-p', dir], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).toMatch(/main\.ts\(\d+,\d+\): error TS2322: Type '\w+' is not assignable to type 'number'/);
    });
  }

  it('runs its command line from the installed package, on a case and on a file of the reader\'s', () => {
    const bin = join(dir, 'node_modules', '.bin', 'interleave');
    const list = spawnSync(bin, ['list'], { cwd: dir, encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^cxl {2}/);
    writeFileSync(join(dir, 'mine.mjs'), `import { scenario, down_read, up_read, down_write, up_write } from '@interleave/engine';\n${scenarioSource}\nexport { s };\n`);
    const r = spawnSync(bin, ['explore', './mine.mjs'], { cwd: dir, encoding: 'utf8' });
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([1, 'recursive read (./mine.mjs): deadlock']);
  });
});
