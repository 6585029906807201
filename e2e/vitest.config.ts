import { defineConfig } from 'vitest/config';

// Browser tests: the real server in-process, Debian Chromium driven by playwright-core.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default'],
  },
});
