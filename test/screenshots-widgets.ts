/**
 * Screenshots of every state of every widget in the built site, for a person to look at:
 * `npm run screenshots:widgets` (after `npm run build`) writes them to test/.shots/widgets/. States:
 * initial, mid-schedule with a blocked thread, the failure reached (with the hint and the answer
 * open), a search running (its worker held back a moment so the progress shows), the replay
 * finished, the fixed variant run to its end, a hostile hash's notice; at 1280 and 360 px, light and
 * dark.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launch } from './support/browser.ts';
import { serve } from './support/serve.ts';
import { DIST, requireDist, ROOT } from './support/dist.ts';
import { widgetPages } from './support/widgets.ts';
import { getWidgetCase } from '../src/lib/widget-cases.ts';

requireDist();
const out = process.argv[2] ?? join(ROOT, 'test', '.shots', 'widgets');
mkdirSync(out, { recursive: true });
writeFileSync(join(ROOT, 'test', '.shots', '.gitignore'), '*\n');
const server = await serve(DIST);
const { browser, close } = await launch();

async function live(page: Page, url: string, caseId: string): Promise<Locator> {
  await page.goto(url);
  const w = page.locator(`interleave-widget[data-case="${caseId}"]`);
  await w.scrollIntoViewIfNeeded();
  await page.waitForSelector(`interleave-widget[data-case="${caseId}"][data-state="live"]`);
  return w;
}

const facts = (w: Locator) => w.evaluate((el: HTMLElement) => ({ failing: el.dataset.challengeVariant!, answer: JSON.parse(el.dataset.challengeAnswer ?? '[]') as string[], variant: el.dataset.variant! }));

try {
  for (const { path, caseId } of widgetPages()) {
    const fixed = getWidgetCase(caseId).variants.find((v) => v.expected === 'ok')?.id;
    for (const [width, scheme] of [[1280, 'light'], [1280, 'dark'], [360, 'light'], [360, 'dark']] as const) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      const shot = async (w: Locator, state: string) => {
        const file = join(out, `${caseId}-${width}-${scheme}-${state}.png`);
        await page.waitForTimeout(250);
        await w.screenshot({ path: file });
        console.log(file);
        // A tall widget is also cut into screen-sized pieces, which are easier to look at.
        const box = await w.evaluate((el) => {
          const r = el.getBoundingClientRect();
          return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
        });
        for (let y = 0, k = 0; box.height > 1100 && y < box.height; y += 1000, k++) {
          const clip = { x: box.x, y: box.y + y, width: box.width, height: Math.min(1000, box.height - y) };
          await page.screenshot({ path: file.replace(/\.png$/, `-part${k}.png`), fullPage: true, clip });
        }
      };
      const url = server.url + path;
      let w = await live(page, url, caseId);
      const f = await facts(w);
      if (f.variant !== f.failing) await w.locator(`.iw-variants input[value="${f.failing}"]`).check();
      await shot(w, '1-initial');
      // Below 700 px the threads are tabs: a step's tab first.
      const step = async (t: string) => {
        if (await w.locator('.iw-tabs:not([hidden])').count()) await w.locator(`.iw-tab[data-thread="${t}"]`).click();
        await w.locator(`button.iw-step[data-thread="${t}"]`).click();
      };
      for (const t of f.answer.slice(0, -1)) await step(t);
      await shot(w, '2-mid-schedule');
      await step(f.answer[f.answer.length - 1]!);
      await w.locator('.iw-challenge').getByRole('button', { name: 'Show a hint' }).click();
      await w.getByRole('button', { name: 'Show the answer' }).click();
      await shot(w, '3-failure');
      await page.route('**/widget.*.js', async (route) => {
        await new Promise((r) => setTimeout(r, 1500));
        await route.continue();
      });
      await w.locator('.iw-search .iw-primary').click();
      await page.waitForTimeout(300);
      await shot(w, '4-search-running');
      await page.waitForFunction((id) => document.querySelector(`interleave-widget[data-case="${id}"] .iw-replay-note`)?.textContent?.includes('Replayed'), caseId, { timeout: 120_000 });
      await shot(w, '5-replay-finished');
      if (fixed) {
        await w.locator(`.iw-variants input[value="${fixed}"]`).check();
        await w.evaluate((el: HTMLElement) => {
          for (let i = 0; i < 5000 && el.dataset.verdict === 'running'; i++) el.querySelector<HTMLButtonElement>('.iw-thread.is-runnable .iw-step')?.click();
        });
        await shot(w, '6-fixed');
      }
      await page.goto('about:blank');
      await page.goto(`${url}#sim=1&case=${caseId}&variant=<img src=x onerror=alert(1)>`);
      w = page.locator(`interleave-widget[data-case="${caseId}"]`);
      await page.waitForSelector(`interleave-widget[data-case="${caseId}"] .iw-notice:not([hidden])`);
      await shot(w, '7-hostile-hash');
      await context.close();
    }
  }
} finally {
  await close();
  await server.close();
}
