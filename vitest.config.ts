import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic and in-process engine, no host) and `integration` (real lab
 * hosts, brought up once by the lab's global setup). Playwright runs the e2e suites separately.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/lab/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
