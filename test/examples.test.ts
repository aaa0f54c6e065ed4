/**
 * Every TypeScript example on the site runs: each ```ts block of every MDX page, and each snippet
 * the site shows from src/snippets/, is written to a file, type-checked against the engine's
 * published types, and run with Node. An example that throws, fails one of its own assertions, or
 * writes to stderr (where console.assert reports) fails here. The page must also show the code
 * the test ran.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireDist, ROOT } from './support/dist.ts';
import { codeBlocks, sources, type CodeBlock } from './support/content.ts';
import { page, text } from './support/html.ts';

// Inside the repository, so that the examples import '@interleave/engine' as a reader's code would
// (Node will not run TypeScript from inside node_modules). test/.examples/ ignores itself in git.
const WORK = join(ROOT, 'test', '.examples');

interface Example {
  name: string;
  file: string;
  code: string;
  block?: CodeBlock;
}

function examples(): Example[] {
  const fromPages = sources().flatMap((s) =>
    codeBlocks(s, 'ts').map((block) => {
      const name = `${s.path.replace(/^\/|\/$/g, '').replace(/\//g, '-')}-${block.index}`;
      return { name, file: join(WORK, `${name}.ts`), code: block.code, block };
    }),
  );
  const snippetDir = join(ROOT, 'src', 'snippets');
  const snippets = readdirSync(snippetDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ name: `snippet-${f.replace(/\.ts$/, '')}`, file: join(WORK, `snippet-${f}`), code: readFileSync(join(snippetDir, f), 'utf8') }));
  return [...fromPages, ...snippets];
}

beforeAll(() => {
  requireDist();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, '.gitignore'), '*\n');
  for (const e of examples()) writeFileSync(e.file, e.code);
  // The engine's example files, which the pages show whole and their examples import ('./fault-lock.ts').
  const engineExamples = join(ROOT, 'engine', 'examples');
  for (const f of readdirSync(engineExamples)) writeFileSync(join(WORK, f), readFileSync(join(engineExamples, f), 'utf8'));
});

describe('examples', () => {
  it('the engine docs have examples to run', () => {
    const byPage = (p: string) => examples().filter((e) => e.block?.source.path === p).length;
    expect(byPage('/engine/writing-a-scenario/')).toBeGreaterThanOrEqual(8);
    expect(byPage('/engine/api/')).toBeGreaterThanOrEqual(6);
    expect(byPage('/engine/your-own-problem/')).toBeGreaterThanOrEqual(1);
  });

  it('every example checks something (it asserts, and can fail)', () => {
    for (const e of examples().filter((x) => x.block)) expect(e.code, e.name).toMatch(/\bassert\b/);
  });

  it('every example type-checks against the engine’s types', () => {
    const tsconfig = join(WORK, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true, types: ['node'], lib: ['es2023'] },
        include: ['*.ts'],
        exclude: [],
      }),
    );
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  describe.each(examples().map((e) => [e.name, e] as const))('%s', (_name, e) => {
    it('runs without error and without writing to stderr', () => {
      const run = spawnSync(process.execPath, [e.file], { cwd: WORK, encoding: 'utf8', timeout: 30_000 });
      expect(run.stderr, `${e.name} (${e.block ? `${e.block.source.file}:${e.block.line}` : e.file})`).toBe('');
      expect(run.status).toBe(0);
    });

    if (e.block) {
      it('is shown on its page, highlighted', () => {
        const shown = page(e.block!.source.path)
          .querySelectorAll('pre[data-language="ts"]')
          .map((pre) => text(pre));
        expect(shown).toContain(e.code.replace(/\s+/g, ' ').trim());
      });
    }
  });
});

// Guard against a silent runner: a failing example must fail.
describe('the runner', () => {
  it('reports a failing assertion as a failure', () => {
    const file = join(WORK, 'must-fail.ts');
    writeFileSync(file, "import assert from 'node:assert/strict';\nassert.equal(1, 2);\n");
    const run = spawnSync(process.execPath, [file], { cwd: WORK, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    rmSync(file);
  });

  it('sees console.assert failures on stderr', () => {
    const out = execFileSync(process.execPath, ['-e', 'console.assert(false, "nope")'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
    const run = spawnSync(process.execPath, ['-e', 'console.assert(false, "nope")'], { encoding: 'utf8' });
    expect(run.stderr).toContain('Assertion failed');
  });
});
