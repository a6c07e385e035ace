import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Temporary config for the SSH layer's tests: the root config's integration project needs the lab's
 * global setup, which these tests do not use (they start their own private sshd instances).
 * Run: npx vitest run --config test/integration/ssh/vitest.config.ts
 */
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['test/unit/ssh/**/*.test.ts', 'test/integration/ssh/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
