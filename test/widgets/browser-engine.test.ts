/**
 * The browser's copy of the engine (src/lib/browser-engine.ts): a listing's skeleton gives back its
 * labels and functions without its code, and a case module loses what only its page shows.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAst } from 'vite';
import { listing } from '@interleave/engine';
import { caseIds, cases } from '@interleave/engine/cases';
import { skeleton, withoutPageOnly } from '../../src/lib/browser-engine.ts';

const engineFile = (path: string) => fileURLToPath(new URL(`../../engine/dist/${path}`, import.meta.url));

describe('a listing in the browser', () => {
  it.each(caseIds.map((id) => [id, cases[id]] as const))('%s: its skeleton has the labels and functions of each listing, and none of its code', (_, c) => {
    for (const l of new Set(Object.values(c.listings))) {
      const s = skeleton(l);
      const again = listing(s);
      expect(again.labels).toEqual(l.labels);
      expect(again.functions).toEqual(l.functions);
      expect(again.text.split('\n').length).toBeLessThanOrEqual(l.text.split('\n').length);
      expect(s.length).toBeLessThan(l.text.length / 3);
    }
  });

  it('refuses a skeleton that would not give back the labels', () => {
    const l = listing('\n\nint f(void)\n{\n\tg();   //@g\n}\n');
    expect(skeleton(l)).toContain('//@g');
    // A function that ends before it starts is one no listing can have.
    expect(() => skeleton({ ...l, functions: [{ name: 'f', start: 2, end: 1 }] })).toThrow(/does not give back/);
  });
});

describe('a case module in the browser', () => {
  it.each(caseIds)('%s: keeps its variants, parameters and build, loses its citation, summary and scenario descriptions', (id) => {
    const code = readFileSync(engineFile(`cases/${id}/index.js`), 'utf8');
    const out = withoutPageOnly(code, true);
    expect(() => parseAst(out)).not.toThrow();
    for (const kept of [/\bvariants\b/, /\bparams\b/, /\bbuild\(/]) expect(out).toMatch(kept);
    for (const gone of ['upstream:', 'subsystem:', 'summary:']) expect(code.includes(gone) && !out.includes(gone)).toBe(true);
    expect(out).not.toMatch(/coreScenario\([^;]*description:/s);
  });

  it('says so when a case module has no Case literal', () => {
    expect(() => withoutPageOnly('export const x = { variants: [] };', true)).toThrow(/no Case literal/);
    expect(withoutPageOnly('export const x = 1;', false)).toBe('export const x = 1;');
  });
});
