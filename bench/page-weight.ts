/**
 * Page weight of the built site: for every page in dist/, the bytes of its HTML and of the CSS and
 * JavaScript it loads (linked files and inline blocks), raw and gzipped, as a Markdown table for
 * README's "Page weight" section. Run `npm run weight` after `npm run build`. The search page's
 * JavaScript counts Pagefind's script; the index files it fetches for a query are not counted. A page
 * with a widget counts its boot script only: the widget's code loads when it comes near the viewport
 * (see `npm run bench:widgets`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST, fileOf, pagePaths, requireDist } from '../test/support/dist.ts';

interface Weight {
  path: string;
  html: number;
  css: number;
  js: number;
  htmlGz: number;
  cssGz: number;
  jsGz: number;
}

const gz = (s: string | Buffer) => gzipSync(s, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** The files and inline blocks of one kind that a page loads. */
function assets(html: string, kind: 'css' | 'js'): string[] {
  const out: string[] = [];
  const linked = kind === 'css' ? /<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"/g : /<script[^>]+src="([^"]+)"/g;
  for (const m of html.matchAll(linked)) out.push(readFileSync(join(DIST, m[1]!.split('?')[0]!), 'utf8'));
  const inline = kind === 'css' ? /<style[^>]*>([\s\S]*?)<\/style>/g : /<script(?![^>]*\bsrc=)(?![^>]*type="application\/(?:ld\+)?json")[^>]*>([\s\S]*?)<\/script>/g;
  for (const m of html.matchAll(inline)) out.push(m[1]!);
  if (kind === 'js') {
    // Pagefind's runtime, which the search page's script imports by URL when a query is made.
    for (const block of [...out]) for (const m of block.matchAll(/['"`](\/pagefind\/pagefind\.js)['"`]/g)) out.push(readFileSync(join(DIST, m[1]!), 'utf8'));
  }
  return out;
}

export function weigh(path: string): Weight {
  const html = readFileSync(fileOf(path), 'utf8');
  const css = assets(html, 'css');
  const js = assets(html, 'js');
  const sum = (xs: string[], f: (s: string) => number) => xs.reduce((n, x) => n + f(x), 0);
  return {
    path,
    html: Buffer.byteLength(html),
    css: sum(css, (s) => Buffer.byteLength(s)),
    js: sum(js, (s) => Buffer.byteLength(s)),
    htmlGz: gz(html),
    cssGz: sum(css, gz),
    jsGz: sum(js, gz),
  };
}

export function table(rows: Weight[]): string {
  const lines = ['| page | HTML | CSS | JS | total (gzipped) |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const cell = (raw: number, z: number) => (raw === 0 ? '0' : `${kb(raw)} (${kb(z)})`);
    lines.push(`| \`${r.path}\` | ${cell(r.html, r.htmlGz)} | ${cell(r.css, r.cssGz)} | ${cell(r.js, r.jsGz)} | ${kb(r.htmlGz + r.cssGz + r.jsGz)} |`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  requireDist();
  console.log('Raw bytes, with gzip -9 in parentheses.\n');
  console.log(table(pagePaths().map(weigh)));
}
