/** The sitemap lists every page a reader would land on (everything but the 404 and search pages). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, pagePaths, requireDist } from './support/dist.ts';

beforeAll(requireDist);

const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);

describe('sitemap', () => {
  it('is linked from every page and lists the pages', () => {
    const index = readFileSync(join(DIST, 'sitemap-index.xml'), 'utf8');
    const maps = locs(index);
    expect(maps.length).toBeGreaterThan(0);
    const pages = maps.flatMap((m) => locs(readFileSync(join(DIST, new URL(m).pathname), 'utf8')).map((u) => new URL(u).pathname));
    const expected = pagePaths().filter((p) => p !== '/404.html' && p !== '/search/');
    expect([...pages].sort()).toEqual(expected);
  });

  it('uses one origin for every URL', () => {
    const index = readFileSync(join(DIST, 'sitemap-index.xml'), 'utf8');
    const all = locs(index).flatMap((m) => [m, ...locs(readFileSync(join(DIST, new URL(m).pathname), 'utf8'))]);
    expect(new Set(all.map((u) => new URL(u).origin)).size).toBe(1);
  });
});
