// @ts-check
/**
 * The site: static Astro with MDX pages from the top-level content/ folder, Shiki at build time
 * (light and dark themes), a sitemap, and a Pagefind index built afterwards (see package.json).
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import sitemap from '@astrojs/sitemap';
import { themes, fenceTransformers } from './src/lib/shiki.ts';

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
    build: {
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
