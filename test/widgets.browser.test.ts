/**
 * What a reader does with a widget, in Debian's Chromium on the built site: step into the
 * documented failure by hand, undo and reset, toggle to the fixed variant and run it to the end, let
 * the search find the failure and replay it, cancel a search, reopen a state from its permalink,
 * and all of it from the keyboard alone. (widget-pages.browser.test.ts checks the widget as a part
 * of its page: loading, JavaScript off, hostile links, the CSP, accessibility, a 360 px screen.)
 */
import { describe, expect, it } from 'vitest';
import { siteInBrowser } from './support/site-in-browser.ts';
import { widgetPages, type WidgetPage } from './support/widgets.ts';
import { facts, newPage, okVariant, openWidget, playOut, runToEnd, sessions, state, stepThreads, widget } from './support/widget-browser.ts';
import { getWidgetCase } from '../src/lib/widget-cases.ts';
import { explore } from '@interleave/engine';

const site = siteInBrowser();
const session = sessions(site);

describe.each(widgetPages())('the $caseId widget on $path', ({ path, caseId }: WidgetPage) => {
  const url = () => site.server.url + path;

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
      // One worker: started once the widget is idle, given the case, and used by the search.
      const workers: string[] = [];
      page.on('worker', (wk) => workers.push(new URL(wk.url()).pathname));
      const w = await openWidget(page, url(), caseId);
      const f = await facts(w);
      if (f.initialVariant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      const shownAtOnce = await w.evaluate((el) => {
        el.querySelector<HTMLButtonElement>('.iw-search .iw-primary')!.click();
        return !el.querySelector<HTMLElement>('.iw-search-progress')!.hidden;
      });
      expect(shownAtOnce, 'the progress bar shows as soon as the search starts').toBe(true);
      await page.waitForFunction((id) => document.querySelector(`interleave-widget[data-case="${id}"]`)?.hasAttribute('data-replaying'), caseId, { timeout: 30_000 });
      await playOut(page, w);
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
      await playOut(page, w);
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

});

describe('a starvation in the widget', () => {
  it("the rwsem primer's readers-take-turns variant under reader-preferring: the search finds the lasso, the replay plays its prefix and one turn of the loop, and the history marks the loop", async () => {
    const s = getWidgetCase('recursive-read').build({ variant: 'turns', policy: 'reader-preferring' });
    const loop = explore(s, { liveness: true }).counterexample!.loop!;
    await session(async (page) => {
      const scripts = new Set<string>();
      page.on('request', (r) => void (r.resourceType() === 'script' && scripts.add(new URL(r.url()).pathname)));
      const w = await openWidget(page, site.server.url + '/primers/rwsem-fairness/', 'recursive-read');
      await w.locator('.iw-variants input[value="turns"]').check();
      await w.locator('.iw-controls select').first().selectOption('reader-preferring');
      const before = new Set(scripts);
      await w.locator('.iw-search .iw-primary').click();
      await playOut(page, w);
      await expect.poll(() => w.locator('.iw-replay-note').textContent(), { timeout: 60_000 }).toContain('one turn of the loop');
      // The liveness search is a chunk of its own (src/lib/browser-engine.ts), fetched by this search and no earlier.
      expect([...scripts].filter((f) => !before.has(f))).toEqual([expect.stringMatching(/^\/_astro\/search\.[\w-]+\.js$/)]);
      expect(await w.locator('.iw-search-result').textContent()).toMatch(new RegExp(`Found a starvation .*A lasso of ${loop.start + loop.length} steps: first .+, then the loop .+ \\(steps ${loop.start + 1}–${loop.start + loop.length}\\), .* while ${loop.thread} waits\\.`));
      const marked = await w.locator('.iw-steps li').evaluateAll((lis) => lis.map((li) => li.classList.contains('is-loop')));
      expect(marked).toEqual(Array.from({ length: loop.start + loop.length }, (_, i) => i >= loop.start));
      expect((await state(w)).verdict).toBe('running');
    });
  });
});
