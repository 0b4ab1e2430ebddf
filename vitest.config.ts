import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites spawn real servers and worker threads; two cores on CI.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
