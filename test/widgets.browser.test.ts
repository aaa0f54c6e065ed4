/**
 * The widgets in Debian's Chromium, on the built site served on localhost, under the site's
 * Content-Security-Policy. For every widget on every page (the rwsem primer's mini-case now, and
 * each case page as its case lands): step into the documented failure by hand; toggle to the fixed
 * variant and run it to completion; let the search find the failure and replay it; reopen the state
 * from its permalink; refuse hostile hashes; work from the keyboard alone; pass axe-core; fit 360 px.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { siteInBrowser } from './support/site-in-browser.ts';
import { DIST, pagePaths } from './support/dist.ts';
import { registeredCaseIds, widgetPages, type WidgetPage } from './support/widgets.ts';
import { axe, newPage, openWidget, runToEnd, state, stepThreads, widget, type Watch } from './support/widget-browser.ts';
import { getWidgetCase } from '../src/lib/widget-cases.ts';
import { loadableCaseIds } from '../src/widgets/case-loaders.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const site = siteInBrowser();

/** A fresh page for one test; it fails the test on any console error, page error or CSP violation. */
async function session(run: (page: Page, watch: Watch) => Promise<void>, options: BrowserContextOptions = {}): Promise<void> {
  const { page, watch, close } = await newPage(site.browser, options);
  try {
    await run(page, watch);
    expect(watch.errors, 'console errors').toEqual([]);
    // (With JavaScript off nothing runs, so there is nothing for the CSP to refuse, nor a way to listen.)
    if (options.javaScriptEnabled !== false) expect(await watch.csp(), 'CSP violations').toEqual([]);
  } finally {
    await close();
  }
}

const pages = widgetPages();

describe('which pages have a widget', () => {
  it('the rwsem primer has the recursive read', () => {
    expect(pages).toContainEqual({ path: '/primers/rwsem-fairness/', caseId: 'recursive-read' });
  });

  it('every case in the engine registry has a case page, and every case page a case', () => {
    const casePages = pagePaths().filter((p) => p.startsWith('/cases/')).map((p) => p.split('/')[2]!);
    expect(casePages.sort()).toEqual(registeredCaseIds().sort());
  });

  it('every case page carries the widget of its case', () => {
    for (const path of pagePaths().filter((p) => p.startsWith('/cases/'))) {
      expect(pages, path).toContainEqual({ path, caseId: path.split('/')[2]! });
    }
  });
});

/** What the page's build says about the case: the failing variant's shortest failure, and the variant that is ok. */
async function facts(w: Locator): Promise<{ failing: string; verdict: string; answer: string[]; initialVariant: string }> {
  return w.evaluate((el: HTMLElement) => ({
    failing: el.dataset.challengeVariant ?? '',
    verdict: el.dataset.challengeVerdict ?? '',
    answer: JSON.parse(el.dataset.challengeAnswer ?? '[]') as string[],
    initialVariant: el.dataset.variant ?? '',
  }));
}

const okVariant = (caseId: string) => getWidgetCase(caseId).variants.find((v) => v.expected === 'ok')?.id;

describe.each(pages)('the $caseId widget on $path', ({ path, caseId }: WidgetPage) => {
  const url = () => site.server.url + path;

  it('loads nothing until it is near the viewport, and keeps its static form until then', async () => {
    await session(async (page) => {
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
      });
      await page.goto(url());
      await page.waitForTimeout(300);
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
      const gzipped = files.reduce((n, f) => n + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length, 0);
      expect(gzipped, `${files.join(', ')}`).toBeLessThan(60 * 1024);
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

  it('steps by hand into the documented failure, and says why each thread waits', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      expect(f.answer.length).toBeGreaterThan(0);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      expect((await state(w)).verdict).toBe('running');
      await stepThreads(w, f.answer);
      const s = await state(w);
      expect(s.verdict).toBe(f.verdict);
      expect(await w.locator('.iw-status .iw-verdict').textContent()).toContain(f.verdict);
      expect(await w.locator('.iw-challenge-success').textContent()).toContain('You did it');
      if (f.verdict === 'deadlock') {
        const waiting = w.locator('.iw-thread[data-status="waiting"] .iw-why');
        expect(await waiting.count()).toBeGreaterThanOrEqual(1);
        for (const text of await waiting.allTextContents()) expect(text).toMatch(/^Waits in \w+ on .+: .+\.$/);
        // The current line of a waiting thread is marked in its code.
        expect(await w.locator('.iw-thread[data-status="waiting"] .line.is-current.is-blocked').count()).toBeGreaterThan(0);
      }
    });
  });

  it('a thread that cannot run says why, and undo and reset work', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      await stepThreads(w, f.answer);
      // aria-disabled, not disabled: it keeps the focus, and pressing it says why nothing happens.
      const blocked = w.locator('.iw-step[aria-disabled="true"]').first();
      await blocked.click({ force: true });
      await expect.poll(() => w.locator('.iw-announce').textContent()).toMatch(/cannot take a step: .+/);
      await w.getByRole('button', { name: 'Undo' }).click();
      expect((await state(w)).verdict).toBe('running');
      expect((await state(w)).schedule.length).toBeGreaterThan(0);
      await w.getByRole('button', { name: 'Reset' }).click();
      expect((await state(w)).schedule).toBe('');
    });
  });

  it('toggles to the fixed variant, keeping the steps that fit, and runs it to completion', async () => {
    const fixed = okVariant(caseId);
    expect(fixed, 'a variant that is ok').toBeDefined();
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      await stepThreads(w, f.answer);
      await w.locator(`.iw-variants input[value="${fixed}"]`).check();
      const s = await state(w);
      expect(s.variant).toBe(fixed);
      await expect.poll(() => w.locator('.iw-announce').textContent()).toMatch(new RegExp(`^Now ${getWidgetCase(caseId).variants.find((v) => v.id === fixed)!.label}`));
      expect(await runToEnd(w)).toBe('ok');
      expect(await w.locator('.iw-status .iw-verdict').textContent()).toContain('ok');
    });
  });

  it('finds the failure in a worker, then replays it step by step to the same verdict', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      const workers: string[] = [];
      page.on('worker', (wk) => workers.push(new URL(wk.url()).pathname));
      const shownAtOnce = await w.evaluate((el) => {
        el.querySelector<HTMLButtonElement>('.iw-search .iw-primary')!.click();
        return !el.querySelector<HTMLElement>('.iw-search-progress')!.hidden;
      });
      expect(shownAtOnce, 'the progress bar shows as soon as the search starts').toBe(true);
      await page.waitForFunction((id) => document.querySelector(`interleave-widget[data-case="${id}"]`)?.hasAttribute('data-replaying'), caseId, { timeout: 30_000 });
      await expect.poll(() => w.locator('.iw-replay-note').textContent(), { timeout: 60_000 }).toContain('Replayed');
      expect(workers.length).toBe(1);
      expect(workers[0]).toMatch(/^\/_astro\/.+\.js$/);
      const s = await state(w);
      expect(s.verdict).toBe(f.verdict);
      expect(await w.locator('.iw-search-result').textContent()).toContain(`Found a ${f.verdict}`);
      expect(s.schedule.length).toBeGreaterThan(0);
    });
  });

  it('with reduced motion, the replay jumps to the end at once', async () => {
    await session(
      async (page) => {
        const w = await openWidget(page, url(), caseId);
        const f = await facts(w);
        if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
        await w.locator('.iw-challenge').getByRole('button', { name: 'Show a hint' }).click();
        await w.getByRole('button', { name: 'Show the answer' }).click();
        await w.getByRole('button', { name: 'Play the answer' }).click();
        expect(await w.getAttribute('data-replaying')).toBeNull();
        expect((await state(w)).verdict).toBe(f.verdict);
      },
      { reducedMotion: 'reduce' },
    );
  });

  it('cancels a search', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      await w.evaluate((el) => {
        el.querySelector<HTMLButtonElement>('.iw-search .iw-primary')!.click();
        el.querySelector<HTMLButtonElement>('.iw-search-progress .iw-button')!.click();
      });
      await expect.poll(() => w.locator('.iw-search-result').textContent()).toBe('Search cancelled.');
      expect(await w.locator('.iw-search-progress').isHidden()).toBe(true);
      expect((await state(w)).schedule).toBe('');
    });
  });

  it('an ok variant: the search says how many executions it checked, within which bounds', async () => {
    const fixed = okVariant(caseId)!;
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      await w.locator(`.iw-variants input[value="${fixed}"]`).check();
      await w.locator('.iw-search .iw-primary').click();
      await expect.poll(() => w.locator('.iw-search-result').textContent(), { timeout: 60_000 }).toMatch(/^No failure\. No failure in the .+ variant: [\d,]+ executions? in [\d.]+ s cover every interleaving.+bounds: each execution cut at [\d,]+ steps.+/);
    });
  });

  it('a permalink reopens the same state', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      await stepThreads(w, f.answer.slice(0, -1));
      const before = await state(w);
      const href = await w.locator('a.iw-permalink').getAttribute('href');
      expect(href).toMatch(/^#sim=1&case=/);
      expect(new URL(page.url()).hash).toBe(href);
      const other = await newPage(site.browser);
      try {
        await other.page.goto(url() + href);
        const w2 = widget(other.page, caseId);
        await other.page.waitForSelector(`interleave-widget[data-case="${caseId}"][data-state="live"]`);
        await expect.poll(() => state(w2).then((s) => s.schedule)).toBe(before.schedule);
        expect(await state(w2)).toEqual(before);
        expect(await w2.locator('.iw-notice').isHidden()).toBe(true);
        await expect.poll(async () => (await w2.boundingBox())!.y, { message: 'the page scrolls to the widget' }).toBeLessThan(900);
        expect(other.watch.errors).toEqual([]);
      } finally {
        await other.close();
      }
    });
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
    it.each(hostile)('%s', async (hash) => {
      await session(async (page) => {
        const plain = await openWidget(page, url(), caseId);
        const initial = await state(plain);
        const outside = await page.evaluate(() => {
          const main = document.querySelector('main')!.cloneNode(true) as HTMLElement;
          main.querySelectorAll('interleave-widget').forEach((w) => w.remove());
          return main.innerHTML;
        });
        await page.goto('about:blank');
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
        const after = await page.evaluate(() => {
          const main = document.querySelector('main')!.cloneNode(true) as HTMLElement;
          main.querySelectorAll('interleave-widget').forEach((w) => w.remove());
          return main.innerHTML;
        });
        expect(after).toBe(outside);
      });
    });
  });

  it('works from the keyboard alone', async () => {
    await session(async (page) => {
      await page.goto(url());
      const w = widget(page, caseId);
      const id = await w.getAttribute('id');
      await page.goto(`${url()}#${id}`);
      await page.waitForSelector(`interleave-widget[data-case="${caseId}"][data-state="live"]`);
      // From the widget's own anchor, Tab reaches its first control.
      await page.keyboard.press('Tab');
      expect(await page.evaluate((cid) => !!document.activeElement?.closest(`interleave-widget[data-case="${cid}"]`), caseId)).toBe(true);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) {
        await page.evaluate((v) => (document.activeElement as HTMLElement).closest('interleave-widget')!.querySelector<HTMLInputElement>(`.iw-variants input[value="${v}"]`)!.focus(), f.failing);
        await page.keyboard.press('Space');
      }
      const threads = await w.evaluate((el) => [...el.querySelectorAll<HTMLElement>('.iw-thread')].map((t) => t.dataset.thread!));
      for (const t of f.answer) await page.keyboard.press(String(threads.indexOf(t) + 1));
      expect((await state(w)).verdict).toBe(f.verdict);
      await page.keyboard.press('u');
      expect((await state(w)).verdict).toBe('running');
      // The history is one stop for Tab (the step shown); Home, End and the arrows move along it.
      const taken = f.answer.length - 1;
      const stop = w.locator('.iw-steps button[tabindex="0"]');
      expect(await stop.count()).toBe(1);
      expect(await stop.getAttribute('data-index')).toBe(String(taken));
      await stop.focus();
      await page.keyboard.press('Home');
      expect(await w.locator('.iw-position').textContent()).toBe(`After step 1 of ${taken}`);
      if (taken > 1) {
        await page.keyboard.press('ArrowDown');
        expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.index)).toBe('2');
      }
      await page.keyboard.press('End');
      expect(await w.locator('.iw-position').textContent()).toBe(`After step ${taken} of ${taken}`);
      // Tab on to "Find a failure" and press Enter.
      for (let i = 0; i < 60; i++) {
        if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Find a failure') break;
        await page.keyboard.press('Tab');
      }
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Find a failure');
      await page.keyboard.press('Enter');
      await expect.poll(() => w.locator('.iw-replay-note').textContent(), { timeout: 60_000 }).toContain('Replayed');
      // Every control shows where the focus is.
      const outline = await w.locator('.iw-step').first().evaluate((b) => {
        b.focus();
        const s = getComputedStyle(b);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      });
      expect(outline).toBe(true);
      expect(await w.locator('.iw-announce').getAttribute('aria-live')).toBe('polite');
    });
  });

  it('announces each step in its live region', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      await stepThreads(w, f.answer.slice(0, 1));
      await expect.poll(() => w.locator('.iw-announce').textContent()).toMatch(new RegExp(`^Step 1: ${f.answer[0]} `));
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
          expect(serious(await axe(page))).toEqual([]);
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
