/**
 * The widget as a workbench, in Debian's Chromium on the built site, driven from the keyboard alone:
 * a thread run until it blocks, the execution run to its end in a chosen thread order, the thread
 * tabs of a 360 px screen (arrows, Home, End, the number keys), the objects that decide the outcome
 * first (an rwsem's wait queue with each waiter's mode, a count's history) and the others folded by
 * kind, each thread's role and call stack, the room it takes at 1280 px; axe-core at 360 px in light
 * and dark. Every session also fails on a console error or a CSP violation (sessions()).
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { siteInBrowser } from './support/site-in-browser.ts';
import { axe, facts, openWidget, sessions, state, stepThreads } from './support/widget-browser.ts';

const site = siteInBrowser();
const session = sessions(site);
const url = (caseId: string) => `${site.server.url}/cases/${caseId}/`;
const narrow = { viewport: { width: 360, height: 800 } };

/** Presses Tab until `target` has the focus (it must be reachable within `max` presses). */
async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  const el = await target.elementHandle();
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((e) => document.activeElement === e, el)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`not reached with ${max} presses of Tab: ${String(target)}`);
}

const announced = (w: Locator) => expect.poll(() => w.locator('.iw-announce').textContent());
const status = (w: Locator, thread: string) => w.locator(`.iw-thread[data-thread="${thread}"]`).getAttribute('data-status');

describe('the cxl widget as a workbench', () => {
  it('names each thread by its role, shows its call stack, and runs a thread until it blocks', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('cxl'), 'cxl');
      expect(await w.locator('.iw-thread[data-thread="T1"] .iw-thread-name').textContent()).toBe('T1 · cxl driver');
      expect(await w.locator('.iw-thread[data-thread="T2"] .iw-thread-name').textContent()).toBe('T2 · brk()');
      // T1's first step takes mmap_sem for read, two calls deep: its stack lists both functions with their lines.
      await tabTo(page, w.locator('button.iw-step[data-thread="T1"]'));
      await page.keyboard.press('Enter');
      const frames = await w.locator('.iw-thread[data-thread="T1"] .iw-stack li').allTextContents();
      expect(frames.length).toBeGreaterThanOrEqual(2);
      for (const f of frames) expect(f).toMatch(/^\w+ line \d+$/);
      expect(frames[0]).toMatch(/^accel_translation_fault line/);
      // T2 runs until it blocks: brk's down_write waits behind T1's read.
      await tabTo(page, w.locator('button.iw-run-thread[data-thread="T2"]'));
      await page.keyboard.press('Enter');
      await announced(w).toMatch(/^T2 takes \d+ steps? \(to step \d+\) and blocks in down_write\(mm\.mmap_sem\)/);
      expect(await status(w, 'T2')).toBe('waiting');
      expect((await state(w)).schedule).toMatch(/^ab\d*$/);
      // The focus object draws its wait queue head to tail, with the waiter's mode.
      const focus = w.locator('.iw-focus [data-object="mm.mmap_sem"]');
      expect(await focus.locator('.iw-waiter').allTextContents()).toEqual(['head T2 write']);
      expect(await focus.locator('.iw-waiter.is-write').count()).toBe(1);
      // A thread that cannot run says why instead.
      await page.keyboard.press('Enter');
      await announced(w).toMatch(/^T2 cannot take a step: .+\.$/);
    });
  });

  it('runs to the end in the thread order chosen', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('cxl'), 'cxl');
      const order = w.locator('select.iw-order');
      expect(await order.locator('option').allTextContents()).toEqual(['T1 → T2', 'T2 → T1']);
      await tabTo(page, order);
      await page.keyboard.press('ArrowDown');
      expect(await order.inputValue()).toBe('T2 T1');
      await tabTo(page, w.getByRole('button', { name: 'Run to the end' }));
      await page.keyboard.press('Enter');
      await announced(w).toMatch(/^Ran \d+ steps in the order T2, T1, to step \d+\./);
      const s = await state(w);
      // T2 (b) runs whenever it can, so it runs first and to its end; then T1 alone: no deadlock.
      expect(s.schedule).toMatch(/^b\d*a\d*$/);
      expect(s.verdict).toBe('ok');
      expect(await status(w, 'T1')).toBe('done');
    });
  });

  it('puts the objects that decide it first and folds every other object by kind', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('cxl'), 'cxl');
      expect(await w.locator('.iw-focus .iw-object').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.object))).toEqual(['mm.mmap_sem']);
      const groups = w.locator('details.iw-group');
      expect(await groups.count()).toBeGreaterThanOrEqual(3);
      expect(await groups.evaluateAll((ds) => ds.filter((d) => (d as HTMLDetailsElement).open).length)).toBe(0);
      expect(await w.locator('.iw-objects [data-object="mm.mmap_sem"]').count()).toBe(0);
      // Opened from the keyboard, a group stays open from step to step.
      const mm = w.locator('details.iw-group[data-group="mm"]');
      await tabTo(page, mm.locator('> summary'));
      await page.keyboard.press('Enter');
      expect(await mm.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(await mm.locator('[data-object="mm.mm_users"]').isVisible()).toBe(true);
      await page.keyboard.press('1');
      expect((await state(w)).schedule).toBe('a');
      expect(await w.locator('details.iw-group[data-group="mm"]').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    });
  });

  it('takes the page\'s content width at 1280 px, every thread side by side', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('userfaultfd'), 'userfaultfd');
      const box = (await w.boundingBox())!;
      expect(box.width).toBeGreaterThan(1000);
      const tops = await w.locator('.iw-thread').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
      expect(tops.length).toBe(4);
      expect(new Set(tops).size).toBe(1);
      expect(await w.locator('.iw-tabs').isHidden()).toBe(true);
      expect(await w.locator('[role="tab"], [role="tabpanel"]').count()).toBe(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    });
  });
});

describe('a count drawn with its history', () => {
  it('intel-svm: the mm\'s counts, step by step, up to the leak', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('intel-svm'), 'intel-svm');
      const f = await facts(w);
      await stepThreads(w, f.answer);
      expect((await state(w)).verdict).toBe('leak');
      const users = w.locator('.iw-focus [data-object="P.mm"] [aria-label="History of mm_users"] li');
      expect(await users.count()).toBeGreaterThanOrEqual(2);
      expect(await users.first().textContent()).toBe('1 at the start');
      expect(await users.nth(1).textContent()).toMatch(/^\d+ step \d+, \w+$/);
    });
  });
});

describe('at 360 px: one thread at a time, behind tabs', () => {
  it('moves between threads with the arrows, Home and End, steps with the number keys, and never scrolls sideways', async () => {
    await session(async (page) => {
      const w = await openWidget(page, url('userfaultfd'), 'userfaultfd');
      const tabs = w.getByRole('tab');
      expect(await tabs.count()).toBe(4);
      expect(await w.getByRole('tablist').count()).toBe(1);
      const visible = () => w.locator('.iw-thread').evaluateAll((els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => (e as HTMLElement).dataset.thread));
      expect(await visible()).toEqual(['A1']);
      await tabTo(page, tabs.first());
      await page.keyboard.press('ArrowRight');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-thread'))).toBe('A2');
      expect(await tabs.nth(1).getAttribute('aria-selected')).toBe('true');
      expect(await visible()).toEqual(['A2']);
      await page.keyboard.press('End');
      expect(await visible()).toEqual(['B2']);
      await page.keyboard.press('ArrowRight');
      expect(await visible()).toEqual(['A1']);
      await page.keyboard.press('ArrowLeft');
      expect(await visible()).toEqual(['B2']);
      await page.keyboard.press('Home');
      expect(await visible()).toEqual(['A1']);
      // A number key steps its thread and shows it.
      await page.keyboard.press('3');
      expect((await state(w)).schedule).toBe('c');
      expect(await visible()).toEqual(['B1']);
      // Each tab says its thread's state; into the deadlock, the stuck ones say blocked.
      const f = await facts(w);
      await page.keyboard.press('u');
      for (const t of f.answer) await page.keyboard.press(String(['A1', 'A2', 'B1', 'B2'].indexOf(t) + 1));
      expect((await state(w)).verdict).toBe('deadlock');
      expect((await tabs.allTextContents()).filter((t) => t.endsWith('blocked')).length).toBeGreaterThanOrEqual(2);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
      const box = (await w.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(360);
    }, narrow);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations, ${colorScheme}`, async () => {
      await session(async (page) => {
        const w = await openWidget(page, url('cxl'), 'cxl');
        await stepThreads(w, (await facts(w)).answer);
        await w.locator('details.iw-group').first().locator('> summary').click();
        const serious = (await axe(page, 'interleave-widget[data-case="cxl"]')).filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious).toEqual([]);
      }, { ...narrow, colorScheme });
    });
  }
});
