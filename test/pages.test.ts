/**
 * Every page the site should have exists in dist/, and no other; each is a complete, accessible
 * document: a language, a title, a description, a viewport, one h1, a main landmark, and a link to
 * every section heading.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, pagePaths, requireDist } from './support/dist.ts';
import { sources } from './support/content.ts';
import { page, text } from './support/html.ts';

beforeAll(requireDist);

const FIXED = ['/', '/404.html', '/search/', '/cases/', '/primers/', '/engine/', '/playground/'];

function expectedPages(): string[] {
  return [...FIXED, ...sources().map((s) => s.path)].sort();
}

describe('pages', () => {
  it('dist has exactly the pages the site is made of', () => {
    expect(pagePaths()).toEqual(expectedPages());
  });

  it('has the five primers and the three engine docs', () => {
    const paths = sources().map((s) => s.path);
    for (const p of [
      '/primers/rwsem-fairness/',
      '/primers/mm-users-and-mm-count/',
      '/primers/mmu-notifier-contract/',
      '/primers/lock-ordering-and-lockdep/',
      '/primers/how-the-simulator-works/',
      '/engine/your-own-problem/',
      '/engine/writing-a-scenario/',
      '/engine/api/',
    ]) {
      expect(paths).toContain(p);
    }
  });

  describe.each(expectedPages())('%s', (path) => {
    it('is a complete document', () => {
      const root = page(path);
      expect(root.querySelector('html')?.getAttribute('lang')).toBe('en');
      expect(text(root.querySelector('title')).length).toBeGreaterThan(3);
      expect(root.querySelector('meta[name="description"]')?.getAttribute('content')?.length ?? 0).toBeGreaterThan(20);
      expect(root.querySelector('meta[name="viewport"]')?.getAttribute('content')).toContain('width=device-width');
      expect(root.querySelectorAll('h1')).toHaveLength(1);
      expect(root.querySelectorAll('main')).toHaveLength(1);
      expect(root.querySelector('a.skip-link')?.getAttribute('href')).toBe('#content');
    });

    it('links every section heading to itself', () => {
      // Card titles on the home page are headings of cards, not sections to link to.
      const headings = page(path).querySelectorAll('main h2, main h3:not(.case-title), main h4');
      for (const h of headings) {
        const id = h.getAttribute('id');
        expect(id, `heading "${text(h)}" has no id`).toBeTruthy();
        expect(h.querySelector('a.anchor')?.getAttribute('href'), `heading "${text(h)}"`).toBe(`#${id}`);
      }
    });

    it('loads no script unless it needs one, and then only one file of its own', () => {
      const root = page(path);
      const scripts = root.querySelectorAll('script');
      const widgets = root.querySelectorAll('interleave-widget').length;
      if (path === '/search/' || path === '/playground/' || widgets > 0) {
        // One external module from this site, never an inline script (the CSP allows none).
        expect(scripts.map((s) => [s.getAttribute('type'), s.getAttribute('src')?.replace(/\.[\w-]+\.js$/, '.js'), s.text.trim()])).toEqual([['module', expect.stringMatching(/^\/_astro\/[\w.-]+\.js$/), '']]);
        // A widget page's script is the widget's boot script, which defines the element.
        if (widgets > 0) expect(readFileSync(join(DIST, scripts[0]!.getAttribute('src')!), 'utf8')).toContain('interleave-widget');
      } else expect(scripts.map((s) => s.outerHTML)).toEqual([]);
    });
  });

  it('the 404 page and the search page stay out of search engines', () => {
    for (const p of ['/404.html', '/search/']) expect(page(p).querySelector('meta[name="robots"]')?.getAttribute('content')).toBe('noindex');
  });

  it('each article page has a table of contents that matches its headings', () => {
    for (const s of sources()) {
      const root = page(s.path);
      const h2 = root.querySelectorAll('article .prose > h2, article .prose h2').map((h) => h.getAttribute('id'));
      const toc = root.querySelectorAll('nav.toc-aside a').map((a) => a.getAttribute('href')!.slice(1));
      for (const id of h2) expect(toc, s.path).toContain(id);
    }
  });
});
