import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers on port 0; forks isolate native sqlite handles.
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
