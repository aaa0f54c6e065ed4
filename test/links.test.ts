/**
 * No broken internal link anywhere in dist/: every href and src that points into the site names a
 * file that exists, every #fragment names an element on its target page, and every page can be
 * reached from the home page.
 */
import { existsSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileOf, pagePaths, requireDist } from './support/dist.ts';
import { page } from './support/html.ts';

beforeAll(requireDist);

const ATTRS: [string, string][] = [
  ['a', 'href'],
  ['link', 'href'],
  ['script', 'src'],
  ['img', 'src'],
  ['source', 'src'],
  ['iframe', 'src'],
  ['form', 'action'],
  ['use', 'href'],
];

interface Link {
  from: string;
  raw: string;
  url: URL;
}

const BASE = 'http://site.invalid';

/** Internal links of a page, resolved against it. */
function linksOf(path: string): Link[] {
  const root = page(path);
  const out: Link[] = [];
  for (const [tag, attr] of ATTRS) {
    for (const el of root.querySelectorAll(`${tag}[${attr}]`)) {
      const raw = el.getAttribute(attr)!;
      if (/^(mailto|tel|data|javascript):/i.test(raw)) continue;
      const url = new URL(raw, BASE + path);
      if (url.origin !== BASE) continue; // another host: see external.test.ts
      out.push({ from: path, raw, url });
    }
  }
  // SVG markers and ARIA references point at ids on the same page.
  for (const el of root.querySelectorAll('[marker-end]')) {
    const m = /url\(#([^)]+)\)/.exec(el.getAttribute('marker-end')!);
    if (m) out.push({ from: path, raw: `#${m[1]}`, url: new URL(`#${m[1]}`, BASE + path) });
  }
  for (const attr of ['aria-labelledby', 'aria-describedby']) {
    for (const el of root.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr)!.split(/\s+/)) out.push({ from: path, raw: `#${id} (${attr})`, url: new URL(`#${id}`, BASE + path) });
    }
  }
  return out;
}

function targetExists(pathname: string): boolean {
  const file = fileOf(pathname);
  return existsSync(file) && statSync(file).isFile();
}

function hasId(pathname: string, id: string): boolean {
  const root = page(pathname.endsWith('/') || pathname.endsWith('.html') ? pathname : `${pathname}/`);
  return root.querySelectorAll('[id]').some((e) => e.getAttribute('id') === id);
}

describe('internal links', () => {
  const all = () => pagePaths().flatMap(linksOf);

  it('finds links to check', () => {
    expect(all().length).toBeGreaterThan(200);
    expect(all().some((l) => l.url.hash !== '')).toBe(true);
  });

  it('every link points at a file that exists', () => {
    const broken = all()
      .filter((l) => !targetExists(decodeURIComponent(l.url.pathname)))
      .map((l) => `${l.from} → ${l.raw}`);
    expect(broken).toEqual([]);
  });

  it('every #fragment names an element on its page', () => {
    const broken = all()
      .filter((l) => l.url.hash !== '' && l.url.pathname.match(/(\/|\.html)$/))
      .filter((l) => targetExists(l.url.pathname) && !hasId(l.url.pathname, decodeURIComponent(l.url.hash.slice(1))))
      .map((l) => `${l.from} → ${l.raw}`);
    expect(broken).toEqual([]);
  });

  it('page links end in a slash, as the site serves them', () => {
    const wrong = all()
      .filter((l) => l.raw.startsWith('/') && !l.raw.startsWith('/#') && !/\.[a-z0-9]+([?#].*)?$/i.test(l.url.pathname) && !l.url.pathname.endsWith('/'))
      .map((l) => `${l.from} → ${l.raw}`);
    expect(wrong).toEqual([]);
  });

  it('ids are unique on every page', () => {
    for (const path of pagePaths()) {
      const ids = page(path).querySelectorAll('[id]').map((e) => e.getAttribute('id')!);
      const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
      expect(dup, path).toEqual([]);
    }
  });

  it('every page can be reached from the home page', () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    while (queue.length > 0) {
      const p = queue.shift()!;
      for (const l of linksOf(p)) {
        const target = l.url.pathname;
        if (pagePaths().includes(target) && !seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    expect(pagePaths().filter((p) => !seen.has(p) && p !== '/404.html')).toEqual([]);
  });
});
