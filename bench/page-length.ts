/**
 * Page length of the built case pages: the height in CSS pixels of each `/cases/<id>/` page, with
 * every disclosure closed (as a reader first sees it), at 1280 and 360 px wide, in headless Chromium
 * with JavaScript on, as a Markdown table for README's "Page length" section. Run
 * `npm run bench:pages` after `npm run build`. A page over its bound (12,000 px at 1280, 25,000 px
 * at 360) is marked, and the script exits non-zero.
 */
import { launch } from '../test/support/browser.ts';
import { serve } from '../test/support/serve.ts';
import { DIST, pagePaths, requireDist } from '../test/support/dist.ts';

export const BOUNDS: Record<number, number> = { 1280: 12_000, 360: 25_000 };

requireDist();
const server = await serve(DIST);
const { browser, close } = await launch();
const px = (n: number) => n.toLocaleString('en-US');
let over = 0;
try {
  const paths = pagePaths().filter((p) => /^\/cases\/[^/]+\/$/.test(p));
  const heights = new Map<string, Record<number, number>>();
  for (const width of Object.keys(BOUNDS).map(Number).sort((a, b) => b - a)) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    for (const path of paths) {
      await page.goto(server.url + path, { waitUntil: 'networkidle' });
      const h = await page.evaluate(() => {
        for (const d of document.querySelectorAll('details[open]')) d.removeAttribute('open');
        return document.documentElement.scrollHeight;
      });
      heights.set(path, { ...heights.get(path), [width]: h });
    }
    await context.close();
  }
  const widths = Object.keys(BOUNDS).map(Number).sort((a, b) => b - a);
  console.log(`| page | ${widths.map((w) => `${w} px wide (bound ${px(BOUNDS[w]!)})`).join(' | ')} |`);
  console.log(`| --- | ${widths.map(() => '---:').join(' | ')} |`);
  for (const [path, h] of heights) {
    const cells = widths.map((w) => {
      const bad = h[w]! > BOUNDS[w]!;
      if (bad) over++;
      return `${px(h[w]!)} px${bad ? ' **over**' : ''}`;
    });
    console.log(`| \`${path}\` | ${cells.join(' | ')} |`);
  }
} finally {
  await close();
  await server.close();
}
if (over > 0) {
  console.error(`${over} measurement(s) over the bound`);
  process.exitCode = 1;
}
