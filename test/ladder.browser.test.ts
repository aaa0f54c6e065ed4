/**
 * The widget's swimlane history, live wait-for graph and ladder of challenges, in Debian's Chromium
 * on the built site, from the keyboard (clicks only where the scrub by click is what is tested): the
 * swimlane's scrub, the graph's cycle at a deadlock, hmm's wait for a condition, the reference chain
 * at intel-svm's leak, each rung of cxl's ladder with its three hints, progress that survives a
 * reload (and a browser that refuses storage), axe-core in light and dark, and a 360 px screen.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { siteInBrowser } from './support/site-in-browser.ts';
import { axe, facts, openWidget, playOut, sessions, state } from './support/widget-browser.ts';

const site = siteInBrowser();
const session = sessions(site);
const url = (caseId: string) => `${site.server.url}/cases/${caseId}/`;

/** Steps threads by their number keys, with the focus on the widget's first Step button. */
async function keySteps(page: Page, w: Locator, threads: readonly string[]): Promise<void> {
  const names = await w.evaluate((el) => [...el.querySelectorAll<HTMLElement>('.iw-thread')].map((t) => t.dataset.thread!));
  await w.locator('button.iw-step').first().focus();
  for (const t of threads) await page.keyboard.press(String(names.indexOf(t) + 1));
}

/** Steps, by number keys, the first thread that can run, until the execution ends. */
async function keyRunToEnd(page: Page, w: Locator): Promise<string> {
  await w.locator('button.iw-step').first().focus();
  for (let i = 0; i < 500; i++) {
    const k = await w.evaluate((el: HTMLElement) => (el.dataset.verdict === 'running' ? [...el.querySelectorAll('.iw-thread')].findIndex((t) => t.classList.contains('is-runnable')) + 1 : 0));
    if (k === 0) break;
    await page.keyboard.press(String(k));
  }
  return (await state(w)).verdict;
}

/** Presses a button of the ladder by the keyboard: focus, then Enter. */
async function press(page: Page, b: Locator): Promise<void> {
  await b.focus();
  await page.keyboard.press('Enter');
}

const ladder = (w: Locator) => w.locator('.iw-challenge');
const rung = (w: Locator, id: string) => w.locator(`.iw-rung-button[data-rung="${id}"]`);
const lanes = (w: Locator) => w.locator('.iw-lanes-box');
const shown = (w: Locator) => w.locator('.iw-lanes-box g.is-current').getAttribute('data-last');

describe('the swimlane history and the wait-for graph', () => {
  it('scrubs by click and by keyboard, and draws the cycle of the deadlock in the failure colour', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('cxl'), 'cxl');
      const f = await facts(w);
      expect(await w.locator('.iw-waits').textContent()).toContain('Nobody waits');
      await keySteps(page, w, f.answer);
      expect((await state(w)).verdict).toBe('deadlock');
      // One lane per thread; the step shown is the last.
      expect(await w.locator('.iw-lanes-box .lane-name').allTextContents()).toEqual(['T1', 'T2']);
      expect(await shown(w)).toBe(String(f.answer.length));
      // The cycle: every edge of the wait-for graph is on it, and drawn as such.
      const waits = w.locator('.iw-waits');
      expect(await waits.getAttribute('data-cycle')).toBe('true');
      expect(await waits.locator('.edge.cycle').count()).toBe(2);
      expect(await waits.locator('.iw-waits-cycle').textContent()).toBe('A cycle: T1 → T2 → T1.');
      // A click on a row shows the state after it; the history's list follows.
      await w.locator('.iw-lanes-box g.row[data-last="1"]').click();
      expect(await shown(w)).toBe('1');
      expect(await w.locator('.iw-steps [aria-current="step"]').getAttribute('data-index')).toBe('1');
      expect(await waits.getAttribute('data-cycle')).toBe('false');
      expect(await w.locator('.iw-lanes-box g.is-ahead').count()).toBeGreaterThan(0);
      // The keyboard: the drawing is one stop, a slider of the steps.
      await lanes(w).focus();
      await page.keyboard.press('ArrowRight');
      expect(await lanes(w).getAttribute('aria-valuenow')).toBe('2');
      expect(await shown(w)).toBe('2');
      await page.keyboard.press('End');
      expect(await lanes(w).getAttribute('aria-valuenow')).toBe(String(f.answer.length));
      expect(await waits.getAttribute('data-cycle')).toBe('true');
      await page.keyboard.press('Home');
      expect(await lanes(w).getAttribute('aria-valuenow')).toBe('0');
      expect(await w.locator('.iw-lanes-box g.is-current').count()).toBe(0);
      await page.keyboard.press('ArrowLeft');
      expect(await lanes(w).getAttribute('aria-valuenow')).toBe('0');
      // The focus stays on the drawing, and the steps are all still there.
      expect(await page.evaluate(() => document.activeElement?.classList.contains('iw-lanes-box'))).toBe(true);
      expect(await w.locator('.iw-steps li').count()).toBe(f.answer.length);
      // The edges in words, opened from the keyboard, stay open (and keep the focus) as the steps change.
      await page.keyboard.press('End');
      await waits.locator('summary').focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('u');
      expect(await lanes(w).getAttribute('aria-valuenow')).toBe(String(f.answer.length - 1));
      expect(await waits.locator('details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SUMMARY');
    });
  });

  it('says who waits for no thread in particular, at hmm’s deadlock (a wait for a condition, not a cycle)', async () => {
    await session(
      async (page) => {
        const w = await openWidget(page, url('hmm'), 'hmm');
        await press(page, ladder(w).getByRole('button', { name: 'Show a hint' }));
        await press(page, ladder(w).getByRole('button', { name: 'Show the answer' }));
        await press(page, ladder(w).getByRole('button', { name: 'Play the answer' }));
        expect((await state(w)).verdict).toBe('deadlock');
        const waits = w.locator('.iw-waits');
        expect(await waits.getAttribute('data-cycle')).toBe('false');
        expect(await waits.textContent()).toMatch(/\b\w+ waits in wait_event on \S+ .+, for no thread in particular\./);
        expect(await waits.textContent()).not.toContain('Nobody waits');
      },
      { reducedMotion: 'reduce' },
    );
  });

  it('draws, at intel-svm’s leak, the chain of references that keeps the mm alive', async () => {
    await session(
      async (page) => {
        const w = await openWidget(page, url('intel-svm'), 'intel-svm');
        await press(page, ladder(w).getByRole('button', { name: 'Show a hint' }));
        await press(page, ladder(w).getByRole('button', { name: 'Show the answer' }));
        await press(page, ladder(w).getByRole('button', { name: 'Play the answer' }));
        expect((await state(w)).verdict).toBe('leak');
        const waits = w.locator('.iw-waits');
        expect(await waits.getAttribute('data-kind')).toBe('leak');
        expect(await waits.getAttribute('data-cycle')).toBe('true');
        // Drawn as under the case figure: a column of boxes, every edge in the failure colour.
        const edges = await waits.locator('.cycle .edge').count();
        expect(edges).toBeGreaterThanOrEqual(3);
        expect(await waits.locator('.iw-waits-edges li').count()).toBe(edges);
        expect(await waits.locator('.iw-waits-cycle').textContent()).toMatch(/^A cycle: P\.mm → .+ → P\.mm\.$/);
        // Every order fails here, and the first rung says so.
        expect(await ladder(w).locator('.iw-rung-goal').textContent()).toMatch(/every order does/);
      },
      { reducedMotion: 'reduce' },
    );
  });
});

describe('the ladder of challenges (cxl)', () => {
  it('climbs every rung by keyboard, with the three hints, and keeps the progress over a reload', async () => {
    await session(async (page) => {
      let w = await openWidget(page, url('cxl'), 'cxl');
      const f = await facts(w);
      const ids = await w.locator('.iw-rung-button').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-rung')));
      expect(ids).toEqual(['fail', 'par', 'hold', 'part-retry']);
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('0 of 4 done');

      // Rung 1 and its hints: the nudge, the next step (from the reader's own steps), the answer.
      await press(page, ladder(w).getByRole('button', { name: 'Show a hint' }));
      expect(await ladder(w).locator('.iw-challenge-hint').textContent()).toContain(`It can be done in ${f.answer.length} steps`);
      await press(page, ladder(w).getByRole('button', { name: 'Show the next step' }));
      const next = ladder(w).locator('.iw-challenge-next');
      expect(await next.textContent()).toBe(`Next step: step ${f.answer[0]} (step 1 of the shortest failure's ${f.answer.length}).`);
      // A thread's key, pressed on a rung, steps it; the rung keeps the focus.
      const names = await w.evaluate((el) => [...el.querySelectorAll<HTMLElement>('.iw-thread')].map((t) => t.dataset.thread!));
      await rung(w, 'fail').focus();
      await page.keyboard.press(String(names.indexOf(f.answer[0]!) + 1));
      expect((await state(w)).schedule.length).toBeGreaterThan(0);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-rung'))).toBe('fail');
      expect(await next.textContent()).toBe(`Next step: step ${f.answer[1]} (step 2 of the shortest failure's ${f.answer.length}).`);
      const wrong = f.answer[1] === 'T1' ? 'T2' : 'T1';
      await keySteps(page, w, [wrong]);
      expect(await next.textContent()).toMatch(new RegExp(`^Next step: your step 2 \\(${wrong}\\) leaves the shortest failure, which steps ${f.answer[1]} there: go back to step 1, then step ${f.answer[1]}\\.$`));
      await press(page, ladder(w).getByRole('button', { name: 'Show the answer' }));
      expect(await ladder(w).locator('.iw-challenge-answer strong').textContent()).toBe(f.answer.join(', '));
      // A played answer is not the reader's own: it meets no rung.
      await press(page, ladder(w).getByRole('button', { name: 'Play the answer' }));
      await playOut(page, w);
      expect((await state(w)).verdict).toBe('deadlock');
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('0 of 4 done');

      // Rungs 1 and 2: the failure, by hand, in par.
      await press(page, w.getByRole('button', { name: 'Reset' }));
      await keySteps(page, w, f.answer);
      expect(await ladder(w).locator('.iw-challenge-success').textContent()).toBe(`You did it: deadlock after ${f.answer.length} steps, the shortest way there.`);
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('2 of 4 done');

      // Rung 3: break the fix by hand (it holds), then the explorer covers every order.
      await press(page, ladder(w).getByRole('button', { name: 'Next challenge: Break the fix' }));
      expect(await rung(w, 'hold').getAttribute('aria-pressed')).toBe('true');
      await press(page, ladder(w).getByRole('button', { name: 'Switch to fixed' }));
      expect((await state(w)).variant).toBe('fixed');
      expect(await keyRunToEnd(page, w)).toBe('ok');
      await press(page, ladder(w).getByRole('button', { name: 'Show a hint' }));
      await press(page, ladder(w).getByRole('button', { name: 'Show the next step' }));
      expect(await ladder(w).locator('.iw-challenge-next').textContent()).toMatch(/Find a failure/);
      await press(page, ladder(w).getByRole('button', { name: 'Show the answer' }));
      expect(await ladder(w).locator('.iw-challenge-answer').textContent()).toMatch(/No order breaks it: .+ ran \d+ distinct orders of the fixed code/);
      await press(page, ladder(w).locator('.iw-challenge-answer').getByRole('button', { name: 'Find a failure' }));
      await expect.poll(() => w.locator('.iw-search-result [data-verdict]').getAttribute('data-verdict'), { timeout: 60_000 }).toBe('ok');
      expect(await ladder(w).locator('.iw-challenge-success').textContent()).toContain('the fix held');
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('3 of 4 done');

      // Rung 4: the fix without the device's retry lets a failure back in.
      await press(page, rung(w, 'part-retry'));
      await press(page, ladder(w).getByRole('button', { name: 'Switch to no retry' }));
      expect((await state(w)).variant).toBe('no-retry');
      await press(page, ladder(w).getByRole('button', { name: 'Show a hint' }));
      await press(page, ladder(w).getByRole('button', { name: 'Show the answer' }));
      const answer = (await ladder(w).locator('.iw-challenge-answer strong').textContent())!.split(', ');
      await keySteps(page, w, answer);
      expect((await state(w)).verdict).toBe('violation');
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('4 of 4 done');

      // The progress survives a reload.
      await page.reload();
      w = await openWidget(page, url('cxl'), 'cxl');
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('4 of 4 done');
      expect(await w.locator('.iw-rung-done').count()).toBe(4);
    });
  }, 180_000);

  it('works, without keeping progress, where the browser refuses storage', async () => {
    await session(async (page) => {
      await page.addInitScript(() => {
        Object.defineProperty(window, 'localStorage', {
          get() {
            throw new DOMException('The operation is insecure.', 'SecurityError');
          },
        });
      });
      const w = await openWidget(page, url('cxl'), 'cxl');
      const f = await facts(w);
      await keySteps(page, w, f.answer);
      expect(await ladder(w).locator('.iw-ladder-count').textContent()).toBe('2 of 4 done');
      await page.reload();
      const again = await openWidget(page, url('cxl'), 'cxl');
      expect(await ladder(again).locator('.iw-ladder-count').textContent()).toBe('0 of 4 done');
    });
  });
});

describe('the new panels for every reader', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`have no serious or critical axe-core violations at a deadlock, ${scheme}`, async () => {
      await session(
        async (page) => {
          const w = await openWidget(page, url('cxl'), 'cxl');
          const f = await facts(w);
          await keySteps(page, w, f.answer);
          await press(page, ladder(w).getByRole('button', { name: 'Show a hint' }));
          await press(page, ladder(w).getByRole('button', { name: 'Show the next step' }));
          await w.locator('.iw-waits-words summary').click();
          const serious = (await axe(page, 'interleave-widget[data-case="cxl"]')).filter((v) => v.impact === 'serious' || v.impact === 'critical');
          expect(serious).toEqual([]);
        },
        { colorScheme: scheme },
      );
    }, 120_000);
  }

  it('fit a 360 px screen without sideways scrolling', async () => {
    await session(
      async (page) => {
        const w = await openWidget(page, url('userfaultfd'), 'userfaultfd');
        const f = await facts(w);
        await keySteps(page, w, f.answer);
        expect((await state(w)).verdict).toBe('deadlock');
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
        const box = await w.boundingBox();
        expect(box!.x + box!.width).toBeLessThanOrEqual(360);
        // The swimlane scrolls inside its own box.
        const lane = await lanes(w).boundingBox();
        expect(lane!.x + lane!.width).toBeLessThanOrEqual(360);
      },
      { viewport: { width: 360, height: 800 } },
    );
  });
});
