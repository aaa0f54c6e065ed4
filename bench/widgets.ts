/**
 * The widgets' budgets, measured in Chromium (Debian's, headless) on the built site served on
 * localhost: `npm run bench:widgets` after `npm run build`. For the primer's mini-case and every case
 * in the engine's registry:
 *
 * - JavaScript, gzipped (-9): what a page loads before the widget is near the viewport, and
 *   everything it loads once the widget is mounted and a search has run (boot script, widget,
 *   engine, the case's module, the worker). A case whose page does not exist yet is measured on the
 *   primer's page, loading its module through the same worker, minus the mini-case's own chunk.
 * - Mount: from scrolling the widget into view to its live state (fetching and running its code).
 * - First interaction: a click on a Step button, from the click to the next frame (and the handler
 *   alone), on a freshly mounted widget; and the first variant switch.
 * - Height: the live widget's height before a step, its groups of objects folded, at 1280 and
 *   360 px wide.
 * - Search: each variant at its default parameters, in a module worker, from posting the request to
 *   the report: cold (a new worker: its start and the case's load included), and as the widget runs
 *   it (a worker started and given the case once the widget is idle, so the search runs at once),
 *   the median of the next runs.
 *
 * Prints two Markdown tables for README's "Widgets" section, and checks them against the issue's
 * budgets (exit code 1 if one is missed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launch } from '../test/support/browser.ts';
import { serve } from '../test/support/serve.ts';
import { DIST, requireDist } from '../test/support/dist.ts';
import { widgetCaseIds, widgetPages } from '../test/support/widgets.ts';
import { getWidgetCase } from '../src/lib/widget-cases.ts';
import { SEARCH_BOUNDS } from '../src/widgets/search-protocol.ts';
import { median } from './median.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const PRIMER = '/primers/rwsem-fairness/';
const BUDGET = { jsKb: 60, firstMs: 100, searchMs: 1000, heightPx: 1400 };

requireDist();
const server = await serve(DIST);
const { browser, close } = await launch();
const chromium = browser.version();
/** The search worker's module: the widget's chunk (src/widgets/search-worker.ts is a part of it). */
const workerFile = `/_astro/${readdirSync(join(DIST, '_astro')).find((f) => /^widget\.[\w-]+\.js$/.test(f))}`;

const gz = (path: string) => gzipSync(readFileSync(join(DIST, path)), { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;

interface PageRun {
  before: string[];
  after: string[];
  mountMs: number;
  firstFrameMs: number;
  firstHandlerMs: number;
  switchFrameMs: number;
}

async function fresh(b: Browser): Promise<{ page: Page; scripts: string[]; close(): Promise<void> }> {
  const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scripts: string[] = [];
  context.on('request', (r) => {
    if (r.resourceType() === 'script' || r.url().endsWith('.js')) scripts.push(new URL(r.url()).pathname);
  });
  return { page, scripts, close: () => context.close() };
}

/** One fresh visit: load, scroll to the widget, time the mount, the first step and a variant switch. */
async function visit(path: string, caseId: string, ownWidget: boolean): Promise<PageRun> {
  const { page, scripts, close: done } = await fresh(browser);
  try {
    await page.goto(server.url + path, { waitUntil: 'load' });
    await page.waitForTimeout(200);
    const before = [...new Set(scripts)];
    const host = `interleave-widget[data-case="${ownWidget ? caseId : 'recursive-read'}"]`;
    const t0 = Date.now();
    await page.locator(host).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${host}[data-state="live"]`);
    const mountMs = Date.now() - t0;
    const first = await page.evaluate(async (sel) => {
      const el = document.querySelector<HTMLElement>(sel)!;
      const button = el.querySelector<HTMLButtonElement>('.iw-thread.is-runnable .iw-step')!;
      const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      await nextFrame();
      const t = performance.now();
      button.click();
      const handler = performance.now() - t;
      await nextFrame();
      const frame = performance.now() - t;
      const other = el.querySelectorAll<HTMLInputElement>('.iw-variants input')[1]!;
      const s = performance.now();
      other.click();
      await nextFrame();
      return { handler, frame, switchFrame: performance.now() - s };
    }, host);
    if (!ownWidget) await search(page, caseId, {}); // load the case's module through the worker, as its page would
    else {
      await page.locator(`${host} .iw-search .iw-primary`).click();
      await page.waitForFunction((sel) => /^(Found|No failure|Incomplete)/.test(document.querySelector(`${sel} .iw-search-result`)?.textContent ?? ''), host, { timeout: 60_000 });
    }
    await page.waitForTimeout(200);
    let after = [...new Set(scripts)];
    if (!ownWidget) after = after.filter((f) => !/\/recursive-read-case\.[\w-]+\.js$/.test(f));
    return { before, after, mountMs, firstFrameMs: first.frame, firstHandlerMs: first.handler, switchFrameMs: first.switchFrame };
  } finally {
    await done();
  }
}

interface SearchRun {
  wallMs: number;
  verdict: string;
  executions: number;
  engineMs: number;
}

/** A search in a module worker started from the page: a new one (`warm` false), or one given the case 500 ms ahead, as the widget does. */
function search(page: Page, caseId: string, params: Record<string, string | number>, warm = false): Promise<SearchRun> {
  return page.evaluate(
    ({ url, req, warm }) =>
      new Promise<SearchRun>((resolve, reject) => {
        const w = new Worker(url, { type: 'module' });
        let t = performance.now();
        w.onmessage = (e: MessageEvent) => {
          const m = e.data as { type: string; result?: { verdict: string; stats: { executions: number; ms: number } }; message?: string };
          if (m.type === 'progress') return;
          w.terminate();
          if (m.type === 'error' || !m.result) reject(new Error(m.message));
          else resolve({ wallMs: performance.now() - t, verdict: m.result.verdict, executions: m.result.stats.executions, engineMs: m.result.stats.ms });
        };
        if (!warm) return w.postMessage(req);
        w.postMessage({ warm: req.caseId });
        setTimeout(() => {
          t = performance.now();
          w.postMessage(req);
        }, 500);
      }),
    { url: workerFile, req: { caseId, params, ...SEARCH_BOUNDS }, warm },
  );
}

/** The live widget's height before a step, its groups folded, on a page `width` px wide. */
async function height(path: string, caseId: string, width: number): Promise<number> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(server.url + path);
    const host = `interleave-widget[data-case="${caseId}"]`;
    await page.locator(host).scrollIntoViewIfNeeded();
    await page.waitForSelector(`${host}[data-state="live"]`);
    return await page.locator(host).evaluate((el) => Math.round(el.getBoundingClientRect().height));
  } finally {
    await context.close();
  }
}

const pages = widgetPages();
const size: string[] = ['| case | page | JS before the widget is near | JS with widget, engine, case and worker | mount after scrolling | first step: to next frame (handler) | first variant switch |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
const searches: string[] = ['| case | variant | verdict | executions | search, new worker | search as the widget runs it (worker warmed), median |', '| --- | --- | --- | ---: | ---: | ---: |'];
const heights: string[] = ['| case | widget height at 1280 px | at 360 px |', '| --- | ---: | ---: |'];
const missed: string[] = [];

try {
  for (const id of widgetCaseIds()) {
    const own = pages.find((p) => p.caseId === id);
    const path = own?.path ?? PRIMER;
    const runs: PageRun[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await visit(path, id, own !== undefined));
    const before = Math.max(...runs.map((r) => r.before.reduce((n, f) => n + gz(f), 0)));
    const after = Math.max(...runs.map((r) => r.after.reduce((n, f) => n + gz(f), 0)));
    const first = median(runs.map((r) => r.firstFrameMs));
    const firstMax = Math.max(...runs.map((r) => r.firstFrameMs));
    size.push(
      `| ${id} | ${own ? `\`${path}\`` : `(no page yet; on \`${PRIMER}\`)`} | ${kb(before)} | ${kb(after)} | ${ms(median(runs.map((r) => r.mountMs)))} | ${ms(first)} (${ms(median(runs.map((r) => r.firstHandlerMs)))}), max ${ms(firstMax)} | ${ms(median(runs.map((r) => r.switchFrameMs)))} |`,
    );
    if (after > BUDGET.jsKb * 1024) missed.push(`${id}: ${kb(after)} of JavaScript (budget ${BUDGET.jsKb} KB)`);
    if (firstMax > BUDGET.firstMs) missed.push(`${id}: first step ${ms(firstMax)} (budget ${BUDGET.firstMs} ms)`);

    if (own) {
      const [wide, narrow] = [await height(path, id, 1280), await height(path, id, 360)];
      heights.push(`| ${id} | ${wide} px | ${narrow} px |`);
      if (wide > BUDGET.heightPx) missed.push(`${id}: widget ${wide} px tall at 1280 px (budget ${BUDGET.heightPx} px)`);
    }

    const c = getWidgetCase(id);
    for (const v of c.variants) {
      const { page, close: done } = await fresh(browser);
      try {
        await page.goto(server.url + PRIMER);
        const cold = await search(page, id, { variant: v.id });
        const warm: SearchRun[] = [];
        for (let i = 0; i < RUNS; i++) warm.push(await search(page, id, { variant: v.id }, true));
        const m = median(warm.map((r) => r.wallMs));
        searches.push(`| ${id} | ${v.label} | ${cold.verdict} | ${cold.executions.toLocaleString('en')} | ${ms(cold.wallMs)} | ${ms(m)} |`);
        if (cold.verdict !== v.expected) missed.push(`${id} ${v.id}: the search says ${cold.verdict}, the case expects ${v.expected}`);
        if (Math.max(cold.wallMs, m) > BUDGET.searchMs) missed.push(`${id} ${v.id}: search ${ms(Math.max(cold.wallMs, m))} (budget ${BUDGET.searchMs} ms)`);
      } finally {
        await done();
      }
    }
  }
} finally {
  await close();
  await server.close();
}

console.log(`Chromium ${chromium}, headless; ${RUNS} fresh page loads per case (median; JavaScript: the most any load fetched).\n`);
console.log(size.join('\n'));
console.log();
console.log(searches.join('\n'));
console.log();
console.log(heights.join('\n'));
console.log();
if (missed.length) {
  console.log(`Budgets missed:\n- ${missed.join('\n- ')}`);
  process.exitCode = 1;
} else console.log(`Every budget met: JavaScript under ${BUDGET.jsKb} KB gzipped, first step under ${BUDGET.firstMs} ms, every search under ${BUDGET.searchMs / 1000} s, every widget at most ${BUDGET.heightPx} px tall at 1280 px.`);
