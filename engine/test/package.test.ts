import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The engine as a reader gets it: packed, installed into a fresh folder, imported from plain
 * JavaScript. `npm test` builds engine/dist before the tests run.
 */
const engine = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'interleave-consumer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const main = `
import { scenario, explore, replay, down_read, up_read, down_write, up_write } from '@interleave/engine';
import { caseIds, getCase } from '@interleave/engine/cases';

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
const r = explore(s);
console.log(JSON.stringify({
  verdict: r.verdict,
  schedule: r.counterexample.schedule,
  replayed: replay(s, r.counterexample.schedule).outcome,
  lockdep: r.lockdep.warnings.map((w) => w.title),
  caseIds,
  unknown: (() => { try { getCase('nope'); } catch (e) { return e.message.split(' (')[0]; } })(),
}));
`;

describe('@interleave/engine as a package', () => {
  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(engine, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.exports['.']).toBeDefined();
    expect(pkg.exports['./cases']).toBeDefined();
  });

  it('packs, installs into another folder and runs from plain JavaScript', () => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: engine, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'main.mjs'), main);
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      verdict: 'deadlock',
      schedule: 'aba',
      replayed: 'deadlock',
      lockdep: ['possible recursive locking detected'],
      caseIds: ['cxl', 'hmm', 'userfaultfd', 'intel-svm', 'vfio-pci'],
      unknown: "unknown case 'nope'",
    });
  });
});
