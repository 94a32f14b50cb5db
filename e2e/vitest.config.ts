import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the desktop app end to end. One file at a time: each test starts a host
// and a browser, and the machines here have two cores.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/plain-summary-reporter.ts'],
  },
});
