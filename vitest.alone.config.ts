import { defineConfig } from 'vitest/config';

// Tests that compare measured throughput (`logbench calibrate` end to end): run alone, after the
// main suite, one file at a time, so other test files do not share the two cores with them.
export default defineConfig({
  test: {
    include: ['test/**/*.alone.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // See the file: lets the worker answer vitest's RPC between synchronous tests.
    setupFiles: ['test/support/yield-between-tests.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
