// @ts-check
/**
 * The site: static Astro with MDX pages from the top-level content/ folder, Shiki at build time
 * (light and dark themes), a sitemap, and a Pagefind index built afterwards (see package.json).
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import sitemap from '@astrojs/sitemap';
import { themes, fenceTransformers } from './src/lib/shiki.ts';

/**
 * No preloading of a dynamic import's chunks in the browser build: the widget's search worker loads
 * the same chunks as the page, and Vite's preload helper reads `document`, which a worker does not
 * have. (Astro sets `build.modulePreload` itself, so this is done per environment.)
 */
const noPreloadHelper = {
  name: 'interleave:no-preload-helper',
  /** @param {string} name */
  configEnvironment(name) {
    if (name === 'client') return { build: { modulePreload: { polyfill: false, resolveDependencies: () => [] } } };
  },
};

/**
 * The page scripts leave out the engine's liveness search (`explore(s, { liveness: true })`: its
 * state graph, starvation cycles and the replay of a starvation's lasso; about 3 KB gzipped): no
 * widget asks for it, and the pages show its results computed at build time. Were one ever to ask,
 * it gets a one-line error. `isLasso` and `encodeLasso` stay as they are. (The playground's sandbox
 * is a worker bundle, built apart, and keeps the whole engine.)
 */
const LIVENESS = /\/engine\/dist\/core\/liveness\/(search|lasso)\.js$/;
const STUB = '\0interleave:liveness:';
/** @param {string} what */
const notHere = (what) => `throw new Error(${JSON.stringify(`${what} is not part of this page; run it with the engine in Node (interleave explore <case> --liveness)`)});`;
const noLivenessInBrowser = {
  name: 'interleave:no-liveness-in-browser',
  enforce: 'pre',
  /** @param {string} source @param {string | undefined} importer */
  async resolveId(source, importer) {
    // @ts-expect-error: Vite gives plugin hooks the environment they run in
    if (this.environment?.name !== 'client' || !source.includes('liveness/') || importer?.startsWith(STUB)) return null;
    const real = (await this.resolve(source, importer, { skipSelf: true }))?.id.replaceAll('\\', '/');
    const m = real && LIVENESS.exec(real);
    return m ? STUB + m[1] + ':' + real : null;
  },
  /** @param {string} id */
  load(id) {
    if (!id.startsWith(STUB)) return null;
    const [kind, real] = id.slice(STUB.length).split(/:(.*)/s);
    if (kind === 'search') return `export function exploreLiveness() { ${notHere('the liveness search')} }`;
    return `export { isLasso, encodeLasso } from ${JSON.stringify(real)};\nexport function replayLasso() { ${notHere("replaying a starvation's lasso")} }`;
  },
};

export default defineConfig({
  // The sitemap needs an absolute origin: where `npm start` serves the site, unless SITE_URL says
  // where it is deployed. The pages themselves use root-relative links only.
  site: process.env.SITE_URL ?? 'http://localhost:4321',
  trailingSlash: 'always',
  // Collapse whitespace as HTML does, keeping the space between inline elements.
  compressHTML: true,
  integrations: [mdx(), sitemap({ filter: (page) => !/\/(404|search)\/?$/.test(new URL(page).pathname) })],
  markdown: {
    shikiConfig: { themes, transformers: fenceTransformers() },
  },
  vite: {
    plugins: [noPreloadHelper, noLivenessInBrowser],
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
