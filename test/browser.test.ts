/**
 * The built site in a real browser (Debian's Chromium at /usr/bin/chromium, driven by
 * playwright-core): every page at phone and desktop width loads without errors, without a request
 * to another host, without horizontal scrolling and without layout shift; dark mode switches the
 * page and the code; pages read complete with JavaScript off; search finds kernel identifiers.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { siteInBrowser } from './support/site-in-browser.ts';
import { pagePaths } from './support/dist.ts';
import { page as parsed } from './support/html.ts';

const site = siteInBrowser();

interface Visit {
  requests: string[];
  failures: string[];
  console: string[];
}

async function visit(page: Page, path: string): Promise<Visit> {
  const v: Visit = { requests: [], failures: [], console: [] };
  page.on('request', (r) => v.requests.push(r.url()));
  page.on('requestfailed', (r) => v.failures.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) v.failures.push(`${r.url()} ${r.status()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') v.console.push(m.text());
  });
  page.on('pageerror', (e) => v.console.push(e.message));
  await page.goto(site.server.url + path, { waitUntil: 'load' });
  return v;
}

/**
 * Cumulative layout shift from the page's first frame until it has settled: every widget near the
 * viewport mounted (the ones a reader would see change), then two more frames, so shifts caused by
 * that mounting are recorded. No fixed wait: the page says when it is done.
 */
async function layoutShift(page: Page): Promise<number> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>('interleave-widget')].every(
      (w) => w.getBoundingClientRect().top > innerHeight + 300 || w.dataset.state === 'live' || w.dataset.state === 'failed',
    ),
  );
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const frame = () => new Promise((r) => requestAnimationFrame(r));
        void frame()
          .then(frame)
          .then(() => {
            const observer = new PerformanceObserver(() => undefined);
            observer.observe({ type: 'layout-shift', buffered: true });
            const entries = observer.takeRecords() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[];
            observer.disconnect();
            resolve(entries.filter((e) => !e.hadRecentInput).reduce((n, e) => n + e.value, 0));
          });
      }),
  );
}

describe('the first frame', () => {
  // A slow device paints a half-parsed page when the parser yields (the header's icon before its
  // name, a table before its last rows), and the rest then moves what was painted. With the CPU
  // slowed twentyfold, 30 of 64 loads shifted so; with this link, none.
  it.each(pagePaths())('%s is painted only once the whole page is parsed', (path) => {
    const html = parsed(path);
    const expectLink = html.querySelector('head link[rel="expect"][blocking="render"]');
    expect(expectLink, 'a render-blocking expect link in <head>').not.toBeNull();
    const target = html.querySelector(expectLink!.getAttribute('href')!);
    expect(target, 'the element it names').not.toBeNull();
    const body = html.querySelector('body')!;
    expect(body.childNodes.filter((n) => n.nodeType === 1).at(-1), 'the last element of <body>').toBe(target);
  });
});

describe.each([360, 1280])('at %i px wide', (width) => {
  it.each(pagePaths())('%s loads cleanly, stays within the screen and does not shift', async (path) => {
    const context = await site.browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    try {
      const v = await visit(page, path);
      expect(v.requests.length).toBeGreaterThan(0);
      expect(v.requests.filter((u) => new URL(u).origin !== site.server.url)).toEqual([]);
      expect(v.failures).toEqual([]);
      expect(v.console).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, 'the page scrolls sideways').toBeLessThanOrEqual(0);
      expect(await layoutShift(page)).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('themes', () => {
  const background = async (scheme: 'light' | 'dark') => {
    const context = await site.browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${site.server.url}/primers/rwsem-fairness/`);
    const result = await page.evaluate(() => {
      // A token whose two theme colours differ (comments, say, are grey in both).
      const token = [...document.querySelectorAll<HTMLElement>('pre.astro-code span.line span[style*="--shiki-dark:"]')].find((t) => {
        const probe = document.createElement('span');
        probe.style.color = t.style.getPropertyValue('--shiki-dark');
        return probe.style.color !== t.style.color;
      })!;
      return {
        body: getComputedStyle(document.body).backgroundColor,
        token: getComputedStyle(token).color,
        light: token.style.color,
        dark: token.style.getPropertyValue('--shiki-dark').trim(),
      };
    });
    await context.close();
    return result;
  };

  it('follows prefers-color-scheme, for the page and for the code', async () => {
    const light = await background('light');
    const dark = await background('dark');
    expect(light.body).not.toBe(dark.body);
    const luminance = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).reduce((n, c) => n + Number(c), 0);
    expect(luminance(light.body)).toBeGreaterThan(600);
    expect(luminance(dark.body)).toBeLessThan(150);
    // The same token takes its light colour in light mode and its dark colour in dark mode.
    const hex = (rgb: string) => `#${rgb.match(/\d+/g)!.slice(0, 3).map((c) => Number(c).toString(16).padStart(2, '0')).join('')}`;
    expect(light.token).toBe(light.light); // the inline colour, as the browser reads it
    expect(hex(dark.token)).toBe(dark.dark.toLowerCase());
    expect(hex(dark.token)).not.toBe(hex(light.token));
  });
});

describe('with JavaScript off', () => {
  it('every page shows its content, and the primers their engine runs', async () => {
    const context = await site.browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    try {
      for (const path of pagePaths()) {
        await page.goto(site.server.url + path);
        expect(await page.locator('h1').isVisible(), path).toBe(true);
      }
      await page.goto(`${site.server.url}/primers/rwsem-fairness/`);
      const run = page.locator('#fifo-run');
      await expect(run.locator('.verdict').first().textContent()).resolves.toContain('deadlock');
      expect(await run.locator('.timeline table').isVisible()).toBe(true);
      expect(await run.locator('.timeline tbody tr').count()).toBeGreaterThan(0);
      expect(await run.locator('figure.graph svg').isVisible()).toBe(true);
      await page.goto(`${site.server.url}/search/`);
      expect(await page.locator('noscript').count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});

describe('search', () => {
  const search = async (query: string) => {
    const page = await site.browser.newPage();
    try {
      const v = await visit(page, `/search/?q=${encodeURIComponent(query)}`);
      await page.waitForFunction(() => {
        const s = document.querySelector('#search-status')?.textContent ?? '';
        return s !== '' && s !== 'Searching…';
      });
      expect(v.console).toEqual([]);
      return await page.$$eval('#search-results li a', (as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    } finally {
      await page.close();
    }
  };

  it('finds mmap_sem on the rwsem primer', async () => {
    expect(await search('mmap_sem')).toContain('/primers/rwsem-fairness/');
  });

  it('finds mmu_notifier_invalidate_range_start on the mmu notifier primer', async () => {
    const found = await search('mmu_notifier_invalidate_range_start');
    expect(found).toContain('/primers/mmu-notifier-contract/');
  });

  it('finds mm_count on its primer', async () => {
    expect(await search('mm_count')).toContain('/primers/mm-users-and-mm-count/');
  });

  it('matches an identifier whole, underscores included', async () => {
    const page = await site.browser.newPage();
    try {
      await visit(page, '/search/?q=mmu_notifier_invalidate_range_start');
      await page.waitForSelector('#search-results li');
      // Pagefind marks the word it matched (with any punctuation stuck to it): the whole identifier.
      const marks = await page.$$eval('#search-results mark', (ms) => ms.map((m) => (m.textContent ?? '').replace(/^\W+|\W+$/g, '')));
      expect(marks).toContain('mmu_notifier_invalidate_range_start');
    } finally {
      await page.close();
    }
  });
});

describe('keyboard', () => {
  it('the first Tab reaches the skip link, which is then visible', async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.server.url}/primers/`);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const r = el.getBoundingClientRect();
      return { cls: el.className, top: r.top, height: r.height };
    });
    expect(focused.cls).toContain('skip-link');
    expect(focused.top).toBeGreaterThanOrEqual(0);
    await page.close();
  });
});
