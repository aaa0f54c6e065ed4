import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'engine',
          include: ['engine/test/**/*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
