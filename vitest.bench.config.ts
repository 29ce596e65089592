import { defineConfig } from 'vitest/config';

/** Benchmarks that measure rather than assert speed: `npm run bench` runs them after the vitest benches. */
export default defineConfig({
  test: {
    include: ['bench/**/*.measure.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 600_000,
    fileParallelism: false,
  },
});
