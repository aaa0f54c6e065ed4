/**
 * Code is highlighted at build time: every code block is Shiki's output, with colours for both
 * themes and one span.line per source line; listings have line numbers and ids; the fix diff marks
 * its lines. And no highlighter reaches the browser.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, pagePaths, requireDist, walk } from './support/dist.ts';
import { page, text } from './support/html.ts';
import { diffLines } from '../src/lib/diff.ts';

beforeAll(requireDist);

describe('highlighted code', () => {
  it('every code block in an article is highlighted by Shiki, for light and dark', () => {
    let blocks = 0;
    for (const path of pagePaths()) {
      for (const pre of page(path).querySelectorAll('main pre')) {
        if (pre.closest('.lockdep')) continue; // lockdep's report is console output, not code
        blocks++;
        expect(pre.classList.contains('astro-code'), `${path}: a <pre> not highlighted`).toBe(true);
        expect(pre.getAttribute('style'), path).toMatch(/--shiki-dark-bg/);
        const lines = pre.querySelectorAll('code > span.line');
        expect(lines.length, path).toBeGreaterThan(0);
        const tokens = pre.querySelectorAll('span.line span[style]');
        const plain = ['text', 'plaintext', 'txt'].includes(pre.getAttribute('data-language') ?? '');
        if (!plain && text(pre).length > 20) expect(tokens.some((t) => /--shiki-dark:/.test(t.getAttribute('style')!)), path).toBe(true);
      }
    }
    expect(blocks).toBeGreaterThan(20);
  });

  it('C listings have numbered lines with ids and marked lines', () => {
    const listing = page('/primers/lock-ordering-and-lockdep/').querySelector('figure#transfer-before')!;
    expect(listing.querySelector('pre')?.getAttribute('data-language')).toBe('c');
    const lines = listing.querySelectorAll('span.line');
    lines.forEach((l, i) => {
      expect(l.getAttribute('data-line')).toBe(String(i + 1));
      expect(l.getAttribute('id')).toBe(`transfer-before-L${i + 1}`);
    });
    expect(lines.filter((l) => l.classList.contains('highlighted')).map((l) => l.getAttribute('data-line'))).toEqual(['5', '6']);
    expect(text(listing.querySelector('figcaption'))).toContain('marked: lines 5–6');
    // C keywords are coloured: `void` and `struct` are tokens of their own.
    expect(listing.querySelectorAll('span.line span[style]').some((t) => text(t) === 'void')).toBe(true);
  });

  it('the fix diff marks removed and added lines, and offers the plain patch', () => {
    const fix = page('/primers/lock-ordering-and-lockdep/').querySelector('figure#transfer-fix')!;
    const pre = fix.querySelector('pre.has-diff')!;
    const lines = pre.querySelectorAll('span.line');
    const removed = lines.filter((l) => l.classList.contains('remove'));
    const added = lines.filter((l) => l.classList.contains('add'));
    expect(removed.length).toBeGreaterThan(0);
    expect(added.length).toBeGreaterThan(0);
    for (const l of removed) expect(l.getAttribute('data-mark')).toBe('-');
    for (const l of added) expect(l.getAttribute('data-mark')).toBe('+');
    expect(text(fix.querySelector('figcaption'))).toContain(`${removed.length} line${removed.length === 1 ? '' : 's'} removed`);
    const patch = fix.querySelector('details pre')!;
    expect(patch.getAttribute('data-language')).toBe('diff');
    expect(text(patch)).toMatch(/^--- a\/transfer\.c \+\+\+ b\/transfer\.c @@ -\d+,\d+ \+\d+,\d+ @@/);
  });

  it('the typescript examples are highlighted as TypeScript', () => {
    const pres = page('/engine/writing-a-scenario/').querySelectorAll('pre[data-language="ts"]');
    expect(pres.length).toBeGreaterThanOrEqual(8);
  });
});

describe('no highlighter in the browser', () => {
  it('ships no Shiki, no grammar and no WebAssembly of its own', () => {
    const shipped = walk(DIST).filter((f) => !f.includes('/pagefind/'));
    expect(shipped.filter((f) => /\.(wasm|js|mjs)$/.test(f) && /shiki|oniguruma|textmate/i.test(readFileSync(f, 'utf8')))).toEqual([]);
    expect(shipped.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    // No theme or grammar either (the widgets' JavaScript is the engine's and their own; its size is
    // checked in the browser, per page, against the widget budget).
    const js = shipped.filter((f) => /\.m?js$/.test(f));
    expect(js.length).toBeGreaterThan(0);
    expect(js.filter((f) => /tokenColors|scopeName|github-(light|dark)/.test(readFileSync(f, 'utf8')))).toEqual([]);
  });
});

describe('diffLines', () => {
  it('keeps common lines and orders removals before additions', () => {
    const d = diffLines('a\nb\nc\n', 'a\nx\nc\ny\n');
    expect(d.map((l) => `${l.kind[0]}${l.text}`)).toEqual(['sa', 'rb', 'ax', 'sc', 'ay']);
    expect(d.filter((l) => l.kind !== 'add').map((l) => l.oldLine)).toEqual([1, 2, 3]);
    expect(d.filter((l) => l.kind !== 'remove').map((l) => l.newLine)).toEqual([1, 2, 3, 4]);
  });
});
