import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from '../../scripts/electron-binary.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = electronBinary(ROOT);

test.describe('the Electron app', () => {
  test.skip('missing' in binary, 'missing' in binary ? `Skipped because ${binary.missing}` : '');

  test('opens its window over app://, with the engine in-process, and runs a job', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-electron-'));
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [path.join(ROOT, 'out/main/index.js'), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, HANGAR_DATA_DIR: dataDir },
    });
    try {
      const page = await app.firstWindow();
      expect(page.url()).toBe('app://hangar/index.html');
      await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
      // The bridge is the frozen object of four members, and nothing of Node leaks through.
      expect(await page.evaluate(() => Object.keys((window as any).hangar).sort())).toEqual(['info', 'rpc', 'subscribe', 'unsubscribe']);
      expect(await page.evaluate(() => Object.isFrozen((window as any).hangar))).toBe(true);
      expect(await page.evaluate(() => typeof (globalThis as any).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as any).process)).toBe('undefined');

      await page.getByTestId('nav-tasks').click();
      await page.getByTestId('run-self-test').click();
      await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
      // Navigation away from the app is refused.
      await page.evaluate(() => (window.location.href = 'https://example.com/'));
      await page.waitForTimeout(300);
      expect(page.url().startsWith('app://hangar/')).toBe(true);
    } finally {
      await app.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
