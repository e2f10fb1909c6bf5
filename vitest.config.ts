import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // *.alone.test.ts measure throughput differences and need the cores to themselves: they run
    // after the rest, one file at a time (vitest.alone.config.ts; `npm test` runs both).
    exclude: ['test/**/*.alone.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // See the file: lets the worker answer vitest's RPC between synchronous tests.
    setupFiles: ['test/support/yield-between-tests.ts'],
    pool: 'forks',
    // Two cores: integration tests that start worker groups must not run all at once.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
