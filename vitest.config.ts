import { defineConfig } from 'vitest/config';
import { getViteConfig } from 'astro/config';
import { availableParallelism } from 'node:os';

export default defineConfig({
  test: {
    // Vitest's default is one file at a time on a 2-core machine. The browser test files spend most
    // of their time waiting for Chromium (another process), so two files at a time keep both cores
    // busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'engine',
          include: ['engine/test/**/*.test.ts'],
          environment: 'node',
          // A timeout catches a hang; how fast the engine is, the benchmarks measure.
          testTimeout: 60_000,
        },
      },
      {
        // The site's tests read the built site in dist/ (npm test builds it first) and drive
        // Debian's Chromium for what only a browser can check.
        test: {
          name: 'site',
          include: ['test/**/*.test.ts'],
          exclude: ['test/components/**'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A poll returns as soon as it holds; its default second was too short for a long replay
          // (the intel-svm permalink) while the other core was busy.
          expect: { poll: { timeout: 30_000 } },
        },
      },
      // The site's components rendered one by one through Astro's Container API, which needs
      // Astro's own Vite setup.
      getViteConfig({
        test: {
          name: 'components',
          include: ['test/components/**/*.test.ts'],
          environment: 'node',
        },
      }),
    ],
  },
});
