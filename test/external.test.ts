/**
 * The site makes no request to any other host: no script, stylesheet, font, image, frame or media
 * from elsewhere in any page, and no URL to another host in the CSS or JavaScript it ships. (Links a
 * reader may follow to other sites are fine: they are not requests.) The browser test checks the
 * same at run time.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, pagePaths, requireDist, walk } from './support/dist.ts';
import { page } from './support/html.ts';

beforeAll(requireDist);

/** Elements and attributes that make the browser fetch something. */
const FETCHING: [string, string][] = [
  ['script', 'src'],
  ['img', 'src'],
  ['img', 'srcset'],
  ['source', 'src'],
  ['source', 'srcset'],
  ['iframe', 'src'],
  ['video', 'src'],
  ['video', 'poster'],
  ['audio', 'src'],
  ['track', 'src'],
  ['embed', 'src'],
  ['object', 'data'],
  ['image', 'href'],
  ['use', 'href'],
  ['input', 'src'],
];
const FETCHING_LINK_RELS = ['stylesheet', 'icon', 'shortcut', 'apple-touch-icon', 'preload', 'modulepreload', 'prefetch', 'preconnect', 'dns-prefetch', 'manifest', 'mask-icon'];

const isOtherHost = (url: string) => /^(https?:)?\/\//i.test(url.trim());
const cssUrls = (css: string) => [...css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)].map((m) => m[2]!).concat([...css.matchAll(/@import\s+(['"])([^'"]+)\1/g)].map((m) => m[2]!));

describe('no requests to other hosts', () => {
  it('in the pages’ elements', () => {
    const found: string[] = [];
    for (const path of pagePaths()) {
      const root = page(path);
      for (const [tag, attr] of FETCHING) {
        for (const el of root.querySelectorAll(`${tag}[${attr}]`)) {
          const value = el.getAttribute(attr)!;
          const urls = attr === 'srcset' ? value.split(',').map((s) => s.trim().split(/\s+/)[0]!) : [value];
          for (const u of urls) if (isOtherHost(u)) found.push(`${path}: <${tag} ${attr}="${u}">`);
        }
      }
      for (const el of root.querySelectorAll('link[href]')) {
        const rels = (el.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
        if (rels.some((r) => FETCHING_LINK_RELS.includes(r)) && isOtherHost(el.getAttribute('href')!)) found.push(`${path}: <link rel="${rels.join(' ')}" href="${el.getAttribute('href')}">`);
      }
      for (const el of root.querySelectorAll('[style]')) {
        for (const u of cssUrls(el.getAttribute('style')!)) if (isOtherHost(u)) found.push(`${path}: style url(${u})`);
      }
      for (const el of root.querySelectorAll('style')) {
        for (const u of cssUrls(el.text)) if (isOtherHost(u)) found.push(`${path}: <style> url(${u})`);
      }
    }
    expect(found).toEqual([]);
  });

  it('in the stylesheets', () => {
    const css = walk(DIST).filter((f) => f.endsWith('.css') && !f.includes('/pagefind/'));
    expect(css.length).toBeGreaterThan(0);
    for (const file of css) {
      const content = readFileSync(file, 'utf8');
      expect(cssUrls(content).filter(isOtherHost), file).toEqual([]);
      expect(content, file).not.toMatch(/@font-face/);
    }
  });

  it('in the scripts the site ships', () => {
    const scripts = walk(DIST).filter((f) => /\.m?js$/.test(f) && !f.includes('/pagefind/'));
    // The SVG namespace (createElementNS) is a name, not an address anything fetches.
    for (const file of scripts) expect(readFileSync(file, 'utf8'), file).not.toMatch(/https?:\/\/(?!localhost|www\.w3\.org\/2000\/svg[`"'])/);
    for (const path of pagePaths()) {
      for (const s of page(path).querySelectorAll('script:not([src])')) expect(s.text, path).not.toMatch(/https?:\/\//);
    }
  });

  it('uses no web fonts', () => {
    for (const path of pagePaths()) expect(page(path).querySelectorAll('link[rel="preload"][as="font"]'), path).toHaveLength(0);
  });
});
