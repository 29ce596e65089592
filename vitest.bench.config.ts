import { defineConfig } from 'vitest/config';

/**
 * Benchmarks that measure rather than assert speed (`npm run bench`, scripts/bench.mjs):
 * one file at a time so they do not load each other, their figures gathered into
 * bench/results/*.json by the global setup.
 */
export default defineConfig({
  test: {
    include: ['bench/**/*.measure.ts'],
    globalSetup: ['bench/global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 600_000,
    fileParallelism: false,
  },
});
