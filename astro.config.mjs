// @ts-check
/**
 * The site: static Astro with MDX pages from the top-level content/ folder, Shiki at build time
 * (light and dark themes), a sitemap, and a Pagefind index built afterwards (see package.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { transform } from 'esbuild';
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import sitemap from '@astrojs/sitemap';
import { themes, fenceTransformers } from './src/lib/shiki.ts';
import { browserEngine } from './src/lib/browser-engine.ts';
import { clientChunks } from './src/lib/client-chunks.ts';

/**
 * The playground's runner (src/playground/runner.ts, the one bundle built as a worker) explores
 * without the liveness check, so its bundle leaves the liveness search out, and with it the lassos
 * (the schedules only a liveness search gives) and their replay: about 3 KB gzipped of the
 * playground's 200 KB budget. `explore(s, { liveness: true })` or replaying a lasso there says so in
 * one line. The case widgets' search, which does run it, is a module worker of the page's own build
 * and keeps it. The runner's state cache also writes every object other than a primitive down at
 * every key instead of comparing its fields first (core/field-trace.ts): the same keys, found more
 * slowly on a large search, for about 0.6 KB.
 */
const NO_LIVENESS = 'the playground explores without the liveness check; run explore(s, { liveness: true }) with the engine in Node';
const noLivenessInRunner = {
  name: 'interleave:no-liveness-in-runner',
  /** @param {string} id */
  load(id) {
    const path = id.replaceAll('\\', '/');
    if (path.endsWith('/engine/dist/core/liveness/search.js')) {
      return `export function exploreLiveness() { throw new Error(${JSON.stringify(NO_LIVENESS)}); }`;
    }
    if (path.endsWith('/engine/dist/core/field-trace.js')) {
      return 'export function traceOf() { return null; }\nexport function sameFields() { return false; }';
    }
    if (path.endsWith('/engine/dist/core/liveness/lasso.js')) {
      const replay = 'the playground replays no lasso (a schedule with a loop comes from the liveness check); replay it with the engine in Node';
      return [
        "export function isLasso(token) { return typeof token === 'string' && token.includes('('); }",
        `export function replayLasso() { throw new Error(${JSON.stringify(replay)}); }`,
        `export function encodeLasso() { throw new Error(${JSON.stringify(replay)}); }`,
      ].join('\n');
    }
    return null;
  },
};

/**
 * The playground's sandbox script (public/playground/sandbox.js) is a static file, which the build
 * copies as it is: it is minified once the build is done (esbuild), 1.2 → 0.85 KB gzipped of the
 * playground's budget, and stays readable in the repository.
 */
const minifySandbox = {
  name: 'interleave:minify-sandbox',
  hooks: {
    /** @param {{ dir: URL }} build */
    'astro:build:done': async ({ dir }) => {
      const file = new URL('playground/sandbox.js', dir);
      writeFileSync(file, (await transform(readFileSync(file, 'utf8'), { minify: true })).code);
    },
  },
};

export default defineConfig({
  // The sitemap needs an absolute origin: where `npm start` serves the site, unless SITE_URL says
  // where it is deployed. The pages themselves use root-relative links only.
  site: process.env.SITE_URL ?? 'http://localhost:4321',
  trailingSlash: 'always',
  // Collapse whitespace as HTML does, keeping the space between inline elements.
  compressHTML: true,
  integrations: [mdx(), sitemap({ filter: (page) => !/\/(404|search)\/?$/.test(new URL(page).pathname) }), minifySandbox],
  markdown: {
    shikiConfig: { themes, transformers: fenceTransformers() },
  },
  vite: {
    plugins: [clientChunks(), browserEngine()],
    worker: {
      plugins: () => [noLivenessInRunner],
      // Without this the minifier keeps the bundler's `/* @__PURE__ */` annotations: 32 comments in
      // the runner, 63 bytes of the playground's 200 KB budget gzipped.
      rolldownOptions: { output: { comments: { legal: true, annotation: false, jsdoc: false } } },
    },
    build: {
      // Every script is an external same-origin file, never inlined into the page, so the
      // Content-Security-Policy can allow scripts from 'self' only (no 'unsafe-inline', no hashes).
      assetsInlineLimit: (file) => (/\.m?js$/.test(file) ? false : undefined),
      rolldownOptions: {
        onwarn(warning, warn) {
          // Every MDX page triggers this harmless notice in Astro 7.3 with Rolldown.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
          warn(warning);
        },
      },
    },
  },
});
