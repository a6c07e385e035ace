import { expect, test } from '@playwright/test';
import crypto from 'node:crypto';
import { sshRun, virsh, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();

let serve: Serve;
let lab: LabInfo;
const tag = crypto.randomBytes(3).toString('hex');
const POOL = `dg-full-${tag}`;
// A small tmpfs mounted in lab1's own mount namespace: filling it touches no shared disk.
const MNT = `/var/tmp/${POOL}`;

test.beforeAll(async () => {
  lab = labOf();
  const h1 = lab.hosts[0] as LabHost;
  await sshRun(h1, `mkdir -p ${MNT} && mount -t tmpfs -o size=8m tmpfs ${MNT} && head -c 7900k /dev/zero > ${MNT}/filler.raw`);
  await virsh(h1, ['pool-define-as', POOL, 'dir', '--target', MNT]);
  await virsh(h1, ['pool-start', POOL]);
  serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
});

test.afterAll(async () => {
  await serve?.stop();
  const h1 = lab.hosts[0] as LabHost;
  await sshRun(h1, `virsh pool-destroy ${POOL} >/dev/null 2>&1; virsh pool-undefine ${POOL} >/dev/null 2>&1; umount ${MNT} 2>/dev/null; rmdir ${MNT} 2>/dev/null; true`).catch(() => undefined);
});

test('collects a bundle with progress, opens it, and shows a nearly full pool in English and Korean', async ({ page }) => {
  test.setTimeout(240_000);
  const [h1, h2] = lab.hosts as [LabHost, LabHost];
  await page.goto(serve.url);
  await addLabHost(page, lab, h1);
  await addLabHost(page, lab, h2);

  // Health checks on live data: the filled pool is an alert with its remediation text.
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-alerts').click();
  await page.getByTestId('health-run').click();
  const poolAlert = page.locator('[data-testid="alert-row"][data-check="PoolCapacityLow"]').filter({ hasText: POOL });
  await expect(poolAlert).toHaveCount(1, { timeout: 30_000 });
  await expect(poolAlert).toHaveAttribute('data-severity', 'critical');
  await expect(poolAlert.getByTestId('alert-title')).toHaveText('Storage pool nearly full');
  await expect(poolAlert.getByTestId('alert-remediation')).toContainText(`Pool ${POOL} on ${h1.name} has only`);
  await expect(poolAlert.getByTestId('alert-remediation')).toContainText('free space, expand the pool, or move volumes');

  // Collect from both hosts: per-host progress, then the bundle.
  await page.getByTestId('diag-tab-collect').click();
  await expect(page.locator('[data-testid="collect-host"]')).toHaveCount(2);
  await page.getByTestId('collect-start').click();
  await expect(page.getByTestId('collect-step')).toContainText(h1.name, { timeout: 30_000 });
  await expect(page.getByTestId('collect-step')).toContainText(h2.name);
  await expect(page.getByTestId('collect-result')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('collect-result')).toContainText('.tar.gz');

  // The viewer: summary with both hosts and the pool finding recomputed from the bundle.
  await page.getByTestId('collect-open').click();
  const viewer = page.getByTestId('bundle-viewer');
  await expect(viewer.getByTestId('bundle-summary')).toBeVisible({ timeout: 60_000 });
  await expect(viewer.locator('[data-testid="bundle-host"]')).toHaveCount(2);
  await expect(viewer.getByTestId('bundle-checksums')).toHaveText('checksums verified');
  await expect(viewer.locator('[data-testid="bundle-findings"] [data-check="PoolCapacityLow"]').filter({ hasText: POOL })).toHaveCount(1);

  // Files and logs across hosts.
  await viewer.getByTestId('bundle-tab-files').click();
  await viewer.getByTestId('bundle-file-filter').fill(`${POOL}.xml`);
  await viewer.locator('[data-testid="bundle-file"]').first().click();
  await expect(viewer.getByTestId('bundle-file-content')).toContainText(`<name>${POOL}</name>`);
  await viewer.getByTestId('bundle-tab-logs').click();
  await viewer.getByTestId('log-query').fill('libvirt');
  await viewer.getByTestId('log-search').click();
  await expect(viewer.locator('[data-testid="log-match"]').first()).toBeVisible();

  // In Korean: the same alert with its Korean remediation.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-alerts').click();
  await expect(poolAlert.getByTestId('alert-title')).toHaveText('스토리지 풀이 거의 가득 참');
  await expect(poolAlert.getByTestId('alert-remediation')).toContainText(`${h1.name}의 풀 ${POOL}에 여유 공간이`);
  await expect(poolAlert.getByTestId('alert-remediation')).toContainText('공간을 확보하거나 풀을 확장하거나');
  // The host's page shows it too.
  await page.getByTestId('nav-hosts').click();
  await page.getByRole('link', { name: h1.name, exact: true }).click();
  await expect(page.getByTestId('host-alerts').locator('[data-check="PoolCapacityLow"]').filter({ hasText: POOL })).toContainText('여유 공간이');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
