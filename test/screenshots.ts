/**
 * Screenshots of every page of the built site, at phone and desktop width, in light and dark, and
 * with JavaScript off, for a person to look at: `npm run screenshots` (after `npm run build`)
 * writes them to test/.shots/ (or the directory given as the first argument; a second argument keeps
 * only the pages whose path contains it). With SEGMENT=<px> in the environment, each page is also
 * cut into screen-sized pieces, which are easier to look at than one very tall image.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './support/browser.ts';
import { serve } from './support/serve.ts';
import { DIST, pagePaths, requireDist, ROOT } from './support/dist.ts';

requireDist();
const out = process.argv[2] ?? join(ROOT, 'test', '.shots');
mkdirSync(out, { recursive: true });
if (!process.argv[2]) writeFileSync(join(out, '.gitignore'), '*\n');
const only = process.argv[3];
const server = await serve(DIST);
const { browser, close } = await launch();
const name = (path: string) => (path === '/' ? 'home' : path.replace(/^\/|\/$/g, '').replace(/[/.]/g, '_'));
try {
  for (const width of [360, 1280]) {
    for (const scheme of ['light', 'dark'] as const) {
      for (const js of [true, false]) {
        if (!js && scheme === 'dark') continue;
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme, javaScriptEnabled: js });
        const page = await context.newPage();
        for (const path of pagePaths()) {
          if (only && !path.includes(only)) continue;
          await page.goto(server.url + path, { waitUntil: 'networkidle' });
          const file = join(out, `${name(path)}-${width}-${scheme}${js ? '' : '-nojs'}.png`);
          await page.screenshot({ path: file, fullPage: true });
          console.log(file);
          const segment = Number(process.env.SEGMENT ?? 0);
          if (segment > 0) {
            const height = await page.evaluate(() => document.documentElement.scrollHeight);
            for (let y = 0, k = 0; y < height; y += segment, k++) {
              const piece = file.replace(/\.png$/, `-part${String(k).padStart(2, '0')}.png`);
              await page.screenshot({ path: piece, fullPage: true, clip: { x: 0, y, width, height: Math.min(segment, height - y) } });
            }
          }
        }
        await context.close();
      }
    }
  }
} finally {
  await close();
  await server.close();
}
