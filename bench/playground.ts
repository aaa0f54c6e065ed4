/**
 * The playground's budgets, measured in headless Chromium on the built site (`npm run
 * bench:playground` after `npm run build`): every JavaScript file the page, its sandbox frame and
 * the sandbox's worker load (raw and gzip -9; budget: under 200 KB gzipped, editor included), and
 * for each template the time from pressing Explore to the search's first progress report from the
 * sandbox's worker (budget: under 300 ms), cold (the first press, which starts the worker) and the
 * median of 5 presses after. Exits non-zero when a budget is exceeded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch } from '../test/support/browser.ts';
import { serve } from '../test/support/serve.ts';
import { DIST, requireDist } from '../test/support/dist.ts';
import { median } from './median.ts';

const BUDGET_KB = 200;
const START_MS = 300;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

requireDist();
const server = await serve(DIST);
const { browser, close } = await launch();
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const scripts = new Set<string>();
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === server.url && /\.m?js$/.test(u.pathname)) scripts.add(u.pathname);
  });
  const page = await context.newPage();
  page.on('worker', (w) => {
    const u = new URL(w.url(), server.url);
    if (u.origin === server.url) scripts.add(u.pathname);
  });
  await page.goto(`${server.url}/playground/`);
  await page.waitForSelector('#playground[data-ready]');

  const times: { id: string; cold: number; warm: number }[] = [];
  const ids = await page.$$eval('#pg-template option', (os) => os.map((o) => (o as HTMLOptionElement).value));
  for (const id of ids) {
    await page.selectOption('#pg-template', id);
    const once = async () => {
      await page.evaluate(() => performance.clearMarks());
      await page.click('#pg-explore');
      await page.waitForFunction(() => document.querySelector('#playground')?.getAttribute('data-busy') === 'false');
      return page.evaluate(() => performance.measure('start', 'pg-explore-click', 'pg-explore-started').duration);
    };
    const cold = await once();
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push(await once());
    times.push({ id, cold, warm: median(warm) });
  }
  // A scenario whose thread never yields: how long until the sandbox stops it, and how long the
  // page's own thread was ever kept from running meanwhile (the longest gap between 10 ms timers).
  await page.click('#pg-editor .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText("import { scenario, atomic_inc } from '@interleave/engine';\nexport default scenario('spin', (k) => {\n  const n = k.atomic('n', 0);\n  k.thread('T', function* () {\n    yield* atomic_inc(n);\n    for (;;) {}\n  });\n});");
  const loop = await page.evaluate(async () => {
    let last = performance.now();
    let gap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      last = now;
    }, 10);
    const started = performance.now();
    (document.querySelector('#pg-explore') as HTMLButtonElement).click();
    await new Promise<void>((ok) => {
      const check = () => (document.querySelector('#playground')?.getAttribute('data-busy') === 'false' ? ok() : requestAnimationFrame(check));
      requestAnimationFrame(check);
    });
    clearInterval(timer);
    return { stoppedAfter: performance.now() - started, gap, status: document.querySelector('#pg-status')?.textContent ?? '' };
  });
  // Whether Chromium runs the sandboxed frame in a process of its own: an out-of-process frame is a
  // target of its own for the DevTools protocol.
  const cdp = await context.newCDPSession(page);
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { type: string; url: string }[] };
  const ownProcess = targetInfos.some((t) => t.type === 'iframe' && t.url.endsWith('/playground/sandbox.html'));
  console.log(`A thread that never yields: stopped ${loop.stoppedAfter.toFixed(0)} ms after Explore ("${loop.status.slice(0, 60)}…"); the page's longest gap between 10 ms timers meanwhile: ${loop.gap.toFixed(0)} ms. The sandbox frame runs in a process of its own: ${ownProcess ? 'yes' : 'no'} (${(await browser.version())}).\n`);
  if (!/^Stopped/.test(loop.status) || loop.gap > 200) failed = true;

  // The runner is imported by the sandbox's blob worker (importScripts), which Playwright may not
  // report: add the file the page names for it.
  const pageScript = [...scripts].find((s) => s.includes('index.astro'));
  if (pageScript) for (const m of readFileSync(join(DIST, pageScript), 'utf8').matchAll(/["'`](\/_astro\/runner[\w.-]*\.js)["'`]/g)) scripts.add(m[1]!);

  const rows = [...scripts].sort().map((p) => {
    const text = readFileSync(join(DIST, p));
    return { path: p, raw: text.length, gz: gzipSync(text, { level: 9 }).length };
  });
  const total = rows.reduce((n, r) => n + r.gz, 0);
  console.log('| script | raw | gzipped |\n| --- | ---: | ---: |');
  for (const r of rows) console.log(`| \`${r.path.replace(/\.[\w-]{8}\.js$/, '.js')}\` | ${kb(r.raw)} | ${kb(r.gz)} |`);
  console.log(`| **total** | ${kb(rows.reduce((n, r) => n + r.raw, 0))} | **${kb(total)}** (budget ${BUDGET_KB} KB) |\n`);
  console.log('| template | Explore to the search started, cold | median of 5 next |\n| --- | ---: | ---: |');
  for (const t of times) console.log(`| ${t.id} | ${t.cold.toFixed(0)} ms | ${t.warm.toFixed(0)} ms |`);
  if (total > BUDGET_KB * 1024) {
    console.error(`over budget: ${kb(total)} of JavaScript (budget ${BUDGET_KB} KB)`);
    failed = true;
  }
  for (const t of times) {
    if (Math.max(t.cold, t.warm) > START_MS) {
      console.error(`${t.id}: the search started ${Math.max(t.cold, t.warm).toFixed(0)} ms after Explore (budget ${START_MS} ms)`);
      failed = true;
    }
  }
} finally {
  await close();
  await server.close();
}
if (failed) process.exitCode = 1;
