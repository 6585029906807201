import { defineConfig } from 'vitest/config';

// Browser tests: the real server in-process, Debian Chromium driven by playwright-core.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    // The axe sweeps visit a dozen screens at two widths: generous, so a loaded machine does not fail them.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default'],
  },
});
