import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm run test:usb`: the USB lab (QEMU guests), one test file at a time (each guest takes both cores). */
export default defineConfig({
  root: repo,
  test: {
    include: ['e2e/usb-lab/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/plain-summary-reporter.ts'],
  },
});
