/**
 * The API reference documents everything the engine exports, and nothing it does not: every name
 * exported by @interleave/engine and @interleave/engine/cases (values and types, read from the
 * built declarations) appears in code on /engine/api/, so the page cannot fall behind the engine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireDist } from './support/dist.ts';
import { page } from './support/html.ts';

beforeAll(requireDist);

// The package's root, found the way a reader's code finds it (its main entry is dist/index.js).
const engineDir = join(dirname(createRequire(import.meta.url).resolve('@interleave/engine')), '..');

/** The names a declaration file exports (`export { a, type B } from ...`, `export declare const c`, ...). */
function exportedNames(dts: string): string[] {
  const names = new Set<string>();
  for (const m of dts.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  for (const m of dts.matchAll(/export\s+declare\s+(?:const|function|class|let|abstract\s+class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of dts.matchAll(/export\s+(?:interface|type)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  return [...names].sort();
}

function documented(): Set<string> {
  const codes = page('/engine/api/').querySelectorAll('main code').map((c) => c.text);
  const names = new Set<string>();
  for (const c of codes) for (const m of c.matchAll(/[A-Za-z_$][\w$]*/g)) names.add(m[0]);
  return names;
}

describe('the API reference', () => {
  for (const [entry, dts] of [
    ['@interleave/engine', 'dist/index.d.ts'],
    ['@interleave/engine/cases', 'dist/cases/index.d.ts'],
  ] as const) {
    it(`lists every export of ${entry}`, async () => {
      const names = exportedNames(readFileSync(join(engineDir, dts), 'utf8'));
      const runtime = Object.keys(await import(entry));
      // The declaration parse must see at least every runtime export (so it cannot miss names).
      for (const r of runtime) expect(names, `${entry}: ${r}`).toContain(r);
      const missing = names.filter((n) => !documented().has(n));
      expect(missing, `exports of ${entry} missing from /engine/api/`).toEqual([]);
    });
  }

  it('parses declarations as expected', () => {
    expect(exportedNames("export { a, type B, c as d } from './x';\nexport declare function e(): void;\nexport type F = 1;")).toEqual(['B', 'a', 'd', 'e', 'F'].sort());
  });
});
