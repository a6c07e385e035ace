import { defineConfig } from '@playwright/test';

/** Electron e2e: runs the built app with Playwright's _electron where an Electron binary exists. */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  workers: 1,
  timeout: 60_000,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : 'list',
  outputDir: '../../test-results/electron',
});
