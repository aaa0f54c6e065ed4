/**
 * The search index is built, covers every content page, and keeps kernel identifiers whole (the
 * browser test searches it for real).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, pagePaths, requireDist, ROOT } from './support/dist.ts';
import { page } from './support/html.ts';

beforeAll(requireDist);

describe('search index', () => {
  it('exists, with Pagefind’s script and an index for the site’s language', () => {
    expect(existsSync(join(DIST, 'pagefind', 'pagefind.js'))).toBe(true);
    const entry = JSON.parse(readFileSync(join(DIST, 'pagefind', 'pagefind-entry.json'), 'utf8')) as { languages: Record<string, { page_count: number }> };
    const indexed = pagePaths().filter((p) => page(p).querySelector('[data-pagefind-body]'));
    expect(entry.languages.en?.page_count).toBe(indexed.length);
    expect(indexed.length).toBeGreaterThanOrEqual(10);
  });

  it('indexes every page but the 404 and search pages', () => {
    const unindexed = pagePaths().filter((p) => !page(p).querySelector('[data-pagefind-body]'));
    expect(unindexed).toEqual(['/404.html', '/search/']);
  });

  it('is configured to keep underscores inside words', () => {
    expect(readFileSync(join(ROOT, 'pagefind.yml'), 'utf8')).toMatch(/^include_characters:\s*"[^"]*_[^"]*"/m);
  });
});
