import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { addLabHost, findVm } from '../e2e/fleet-helpers';
import { labOrReason } from '../e2e/lab-fixture';
import { defineDomain, sshRun, testGuestXml, virsh, type LabInfo } from '../lab/lab-info';

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

  // Issue 7 in the app: the console socket goes to main's loopback console server (allowed by the
  // app's CSP), and "Open in new window" makes a second, equally locked-down app window.
  test('shows a VM console and pops it out into an app window', async () => {
    const found = labOrReason();
    test.skip('reason' in found, 'reason' in found ? `Skipped: ${found.reason}` : '');
    const lab = (found as { lab: LabInfo }).lab;
    const h1 = lab.hosts[0]!;
    const name = `ee-${Date.now().toString(36)}`;
    await defineDomain(h1, testGuestXml({ name, lab }));
    await virsh(h1, ['start', name]);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-electron-'));
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [path.join(ROOT, 'out/main/index.js'), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, HANGAR_DATA_DIR: dataDir, HANGAR_LOCAL_LIBVIRT_SOCKET: 'none', HOME: dataDir },
    });
    try {
      const page = await app.firstWindow();
      await addLabHost(page, lab, h1);
      const row = await findVm(page, name);
      await expect(row).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
      await row.getByRole('link', { name }).click();
      await page.getByTestId('vm-tab-console').click();
      await expect(page.getByTestId('console-status')).toHaveAttribute('data-status', 'connected', { timeout: 60_000 });
      const second = app.waitForEvent('window');
      await page.getByTestId('console-tab').getByTestId('console-popout').first().click();
      const popout = await second;
      expect(popout.url()).toMatch(/^app:\/\/hangar\/index\.html#\/console\//);
      await expect(popout.getByTestId('console-status')).toHaveAttribute('data-status', 'connected', { timeout: 60_000 });
      expect(await popout.evaluate(() => typeof (globalThis as any).require)).toBe('undefined');
      await expect(page.getByTestId('console-status')).toHaveAttribute('data-status', 'inUse', { timeout: 15_000 });
    } finally {
      await app.close();
      await fs.rm(dataDir, { recursive: true, force: true });
      await sshRun(h1, `virsh destroy ${name} >/dev/null 2>&1; virsh undefine ${name} >/dev/null 2>&1; true`).catch(() => undefined);
    }
  });
});
