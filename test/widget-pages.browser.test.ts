/**
 * The widget as a part of its page, in Debian's Chromium on the built site under the site's
 * Content-Security-Policy: which pages carry one; it loads nothing until it is near and stays within
 * its JavaScript budget; with JavaScript off its static form tells the failure; a hostile or
 * malformed link changes nothing; the CSP refuses an inline script; no serious axe-core violation
 * in light or dark; it fits a 360 px screen.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { siteInBrowser } from './support/site-in-browser.ts';
import { DIST, casePagePaths } from './support/dist.ts';
import { registeredCaseIds, widgetPages, type WidgetPage } from './support/widgets.ts';
import { axe, facts, newPage, openWidget, playOut, sessions, state, stepThreads, widget } from './support/widget-browser.ts';
import { loadableCaseIds } from '../src/widgets/case-loaders.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const site = siteInBrowser();
const session = sessions(site);
const pages = widgetPages();

describe('which pages have a widget', () => {
  it('the rwsem primer has the recursive read', () => {
    expect(pages).toContainEqual({ path: '/primers/rwsem-fairness/', caseId: 'recursive-read' });
  });

  it('every case in the engine registry has a case page, and every case page a case', () => {
    const casePages = casePagePaths().map((p) => p.split('/')[2]!);
    expect(casePages.sort()).toEqual(registeredCaseIds().sort());
  });

  it('every case page carries the widget of its case', () => {
    for (const path of casePagePaths()) {
      expect(pages, path).toContainEqual({ path, caseId: path.split('/')[2]! });
    }
  });
});

describe.each(pages)('the $caseId widget on $path', ({ path, caseId }: WidgetPage) => {
  const url = () => site.server.url + path;

  it('loads nothing until it is near the viewport, and keeps its static form until then', async () => {
    await session(async (page) => {
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
      });
      await page.goto(url());
      // Two frames after load: the IntersectionObserver has reported where every widget is.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const w = widget(page, caseId);
      const far = await w.evaluate((el) => el.getBoundingClientRect().top > innerHeight + 400);
      if (far) {
        expect(await w.getAttribute('data-state')).toBeNull();
        expect(scripts).toHaveLength(1); // the small boot script only
        expect(await w.locator('.iw-static').isVisible()).toBe(true);
      }
      await w.scrollIntoViewIfNeeded();
      await page.waitForSelector(`interleave-widget[data-case="${caseId}"][data-state="live"]`);
      expect(scripts.length).toBeGreaterThan(1);
      expect(await w.locator('.iw-static').isVisible()).toBe(false);
      // Everything the widget can load, its search worker included, fits the budget.
      await w.locator('.iw-search .iw-primary').click();
      await expect.poll(() => w.locator('.iw-search-result').textContent(), { timeout: 60_000 }).toMatch(/^(Found|No failure|Incomplete)/);
      const files = [...new Set(scripts)];
      expect(files.every((f) => f.startsWith('/_astro/'))).toBe(true);
      // Four files (src/lib/client-chunks.ts): the boot script, the widget's chunk, the views' and the case's; not the liveness search, which only a scenario with a thread that runs forever loads.
      expect(files, files.join(', ')).toHaveLength(4);
      const gzipped = files.reduce((n, f) => n + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length, 0);
      // Every script the page fetched, its search worker's included, each gzipped at level 9: the boot
      // script, the widget with the engine's core, the views and the case stay within 60 KB together.
      expect(gzipped, `${files.join(', ')}`).toBeLessThanOrEqual(60 * 1024);
      // Only this case's module: no other case's chunk was fetched.
      const others = loadableCaseIds.filter((id) => id !== caseId);
      expect(files.filter((f) => others.some((id) => f.startsWith(`/_astro/${id}.`) || f.startsWith(`/_astro/${id}-case.`)))).toEqual([]);
    });
  });


  it('without JavaScript, shows its static form: the verdict and the failing timeline', async () => {
    await session(
      async (page) => {
        await page.goto(url());
        const w = widget(page, caseId);
        expect(await w.locator('.iw-static').isVisible()).toBe(true);
        expect(await w.locator('.iw-static .verdict').isVisible()).toBe(true);
        expect(await w.locator('.iw-live').count()).toBe(0);
        if ((await w.locator('.iw-static figure.timeline').count()) > 0) expect(await w.locator('.iw-static figure.timeline tbody tr').count()).toBeGreaterThan(0);
      },
      { javaScriptEnabled: false },
    );
  });


  describe('a hostile or malformed hash changes nothing, and says so', () => {
    const hostile = [
      `#sim=1&case=<img src=x onerror="window.__pwned=1">`,
      `#sim=1&case=${caseId}&variant=<svg/onload=window.__pwned=1>`,
      `#sim=1&case=${caseId}&steps=zzzz`,
      `#sim=1&case=${caseId}&steps=a9999`,
      `#sim=1&case=${caseId}&variant=__proto__`,
      `#sim=1&case=${caseId}&nosuchparam=1`,
      `#sim=1&case=${caseId}&steps=javascript:alert(1)`,
      `#sim=2&case=${caseId}`,
      `#sim=1&case=${caseId}&steps=${'a'.repeat(900)}`,
      `#sim=1&case=no-such-case`,
    ];
    // The page outside its widgets, and the widget's state, as they are when opened without a hash.
    const mainOutsideWidgets = (page: Page) =>
      page.evaluate(() => {
        const main = document.querySelector('main')!.cloneNode(true) as HTMLElement;
        main.querySelectorAll('interleave-widget').forEach((w) => w.remove());
        return main.innerHTML;
      });
    let initial: Awaited<ReturnType<typeof state>>;
    let outside: string;
    beforeAll(async () => {
      await session(async (page) => {
        initial = await state(await openWidget(page, url(), caseId));
        outside = await mainOutsideWidgets(page);
      });
    });
    it.each(hostile)('%s', async (hash) => {
      await session(async (page) => {
        await page.goto(url() + hash);
        const first = page.locator('interleave-widget').first();
        await page.waitForSelector('interleave-widget[data-state="live"] .iw-notice:not([hidden])', { timeout: 15_000 });
        const notice = first.locator('.iw-notice');
        expect(await notice.isVisible()).toBe(true);
        expect(await notice.textContent()).toMatch(/^The link to a simulator state in this page's address was not applied: .+\. The simulator starts from the beginning instead\.Dismiss$/);
        const html = await notice.innerHTML();
        expect(html).not.toMatch(/<(img|svg|script)|onerror|onload|javascript:/i);
        expect(await notice.evaluate((n) => [...n.querySelectorAll('*')].map((e) => e.tagName))).toEqual(['P', 'BUTTON']);
        expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await page.evaluate(() => document.querySelectorAll('[onerror], [onload]').length)).toBe(0);
        if ((await first.getAttribute('data-case')) === caseId) expect(await state(widget(page, caseId))).toEqual(initial);
        expect(await mainOutsideWidgets(page)).toBe(outside);
      });
    });
  });


  it('has no serious or critical axe-core violations, before and after a deadlock', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await session(
        async (page) => {
          const w = await openWidget(page, url(), caseId);
          const serious = (vs: Awaited<ReturnType<typeof axe>>) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          expect(serious(await axe(page))).toEqual([]);
          const f = await facts(w);
          if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
          await stepThreads(w, f.answer);
          await w.locator('.iw-challenge').getByRole('button', { name: 'Show a hint' }).click();
          await w.getByRole('button', { name: 'Show the answer' }).click();
          await w.locator('details.iw-param-help summary').click().catch(() => undefined);
          // Only the widget changed since the first audit: audit it alone.
          expect(serious(await axe(page, `interleave-widget[data-case="${caseId}"]`))).toEqual([]);
        },
        { colorScheme: scheme },
      );
    }
  }, 240_000); // axe-core on a long case page, twice: slow, and not what is measured here


  it('fits a 360 px screen without sideways scrolling', async () => {
    await session(
      async (page) => {
        const w = await openWidget(page, url(), caseId);
        const f = await facts(w);
        if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
        await stepThreads(w, f.answer);
        await w.locator('.iw-search .iw-primary').click();
        await playOut(page, w);
        await expect.poll(() => w.locator('.iw-replay-note').textContent(), { timeout: 60_000 }).toContain('Replayed');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        const box = await w.boundingBox();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(360);
      },
      { viewport: { width: 360, height: 800 } },
    );
  });
});

describe('the Content-Security-Policy, enforced by Chromium', () => {
  it('refuses an inline script on a widget page, while the widget runs', async () => {
    const { page, close } = await newPage(site.browser);
    try {
      const { path, caseId } = pages[0]!;
      const w = await openWidget(page, site.server.url + path, caseId);
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
      await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
      });
      expect(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
      expect((await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).join()).toContain('script-src');
      expect((await state(w)).verdict).toBe('running');
    } finally {
      await close();
    }
  });
});
