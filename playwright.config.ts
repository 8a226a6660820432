/**
 * End-to-end tests drive the real renderer. Project "browser" runs it through the browser host
 * in Debian's Chromium; project "electron" runs the same specs in the Electron app where the
 * Electron binary is installed (and reports itself skipped where it is not).
 */
import { defineConfig } from '@playwright/test';
import { electronBinary } from './scripts/electron-binary.mjs';

if (process.env.TEST_WORKER_INDEX === undefined && !electronBinary()) {
  console.log('[electron] skipped: the Electron binary is not installed on this machine (its download is unavailable here); the same specs run in the browser project.');
}

export default defineConfig<{ host: 'browser' | 'electron' }>({
  testDir: 'tests/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'browser', use: { host: 'browser' } },
    { name: 'electron', use: { host: 'electron' } },
  ],
});
