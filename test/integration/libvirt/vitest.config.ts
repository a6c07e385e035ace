import { defineConfig } from 'vitest/config';

/**
 * Runs only the libvirt client's tests, without the lab's global setup: the integration tests
 * start their own private libvirtd (see daemon.ts), so they do not need the lab.
 *   npx vitest run --config test/integration/libvirt/vitest.config.ts
 */
export default defineConfig({
  root: new URL('../../..', import.meta.url).pathname,
  test: {
    projects: [
      { test: { name: 'libvirt-unit', include: ['test/unit/libvirt/**/*.test.ts'], environment: 'node', testTimeout: 20_000 } },
      {
        test: {
          name: 'libvirt-integration',
          include: ['test/integration/libvirt/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
