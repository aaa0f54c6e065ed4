/** The built site in dist/: its pages, and each page's URL path. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(ROOT, 'dist');

export function requireDist(): void {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('dist/ has no index.html: build the site first (npm test does: npm run build && vitest run)');
  }
}

/** Every file under `dir`, recursively, as absolute paths. */
export function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The site's HTML pages as URL paths (`/`, `/primers/`, `/404.html`), sorted. */
export function pagePaths(): string[] {
  return walk(DIST)
    .filter((f) => f.endsWith('.html') && !relative(DIST, f).startsWith(`pagefind${sep}`))
    // The playground's sandbox is the document of a sandboxed frame, not a page (see README).
    .filter((f) => relative(DIST, f).split(sep).join('/') !== 'playground/sandbox.html')
    .map((f) => {
      const rel = relative(DIST, f).split(sep).join('/');
      return rel === 'index.html' ? '/' : rel.endsWith('/index.html') ? `/${rel.slice(0, -'index.html'.length)}` : `/${rel}`;
    })
    .sort();
}

/** The case pages (`/cases/cxl/`, ...), without the cases' index. */
export function casePagePaths(): string[] {
  return pagePaths().filter((p) => /^\/cases\/[^/]+\/$/.test(p));
}

/** The HTML file of a URL path. */
export function fileOf(path: string): string {
  const p = path.split('#')[0]!.split('?')[0]!;
  return join(DIST, p.endsWith('/') ? `${p}index.html` : p);
}

export function readPage(path: string): string {
  return readFileSync(fileOf(path), 'utf8');
}
