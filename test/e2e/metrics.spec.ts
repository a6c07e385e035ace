/**
 * Issue 8: the Dashboard and a VM's Metrics tab show charts drawn from lab data, the range can be
 * switched, a chart exports as CSV, and Top consumers lists the guest we keep busy first.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { defineDomain, labTimeouts, readSerialLog, sshRun, testGuestXml, typeOnSerial, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import type { Serve } from './serve-fixture';

const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

let serve: Serve;
let lab: LabInfo;
let h1: LabHost;
let page: Page;
const tag = crypto.randomBytes(2).toString('hex');
const busy = `mx-busy-${tag}`;
const idle = `mx-idle-${tag}`;
const disk = (n: string) => `/var/lib/libvirt/images/${n}.qcow2`;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  lab = labOf();
  h1 = lab.hosts[0]!;
  for (const n of [busy, idle]) {
    await sshRun(h1, `qemu-img create -q -f qcow2 ${disk(n)} 256M`);
    await defineDomain(h1, testGuestXml({ name: n, disk: disk(n), memoryMiB: 128, lab }));
    await virsh(h1, ['start', n]);
  }
  for (const n of [busy, idle]) await waitFor(`${n} to boot`, async () => (await readSerialLog(h1, n)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
  // The busy guest spins a CPU and writes to its disk for as long as it runs.
  await typeOnSerial(h1, busy, 'while :; do :; done & while :; do dd if=/dev/zero of=/dev/vda bs=64k count=256 oflag=direct 2>/dev/null; done &');
  ({ serve, page } = await serveAndOpen(browser));
  await addLabHost(page, lab, h1);
});

test.afterAll(async () => {
  await serve?.stop();
  for (const n of [busy, idle]) {
    await sshRun(h1, `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; rm -f ${disk(n)}; true`).catch(() => undefined);
  }
});

test('the Dashboard shows fleet tiles with trends and Top consumers with the busy guest first', async () => {
  await page.getByTestId('nav-dashboard').click();
  // The host's VMs arrive a moment after it shows Connected (the inventory is read then).
  await expect.poll(async () => Number(await page.getByTestId('vm-count').textContent()), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('status-running')).toBeVisible();
  // The 7-day trend charts fill from the fleet's samples.
  for (const id of ['trend-vms', 'trend-vcpu', 'trend-memory', 'trend-storage']) {
    await expect(page.getByTestId(id)).not.toHaveAttribute('data-points', '0', { timeout: 30_000 });
    await expect(page.getByTestId(id).locator('canvas')).toBeVisible();
  }
  // Top consumers refreshes every 10 s; the busy guest ranks first in CPU and storage throughput.
  const firstCpu = page.getByTestId('top-cpu').getByTestId('top-item').first();
  await expect(firstCpu).toHaveAttribute('data-vm-name', busy, { timeout: 60_000 });
  await expect(page.getByTestId('top-storageThroughput').getByTestId('top-item').first()).toHaveAttribute('data-vm-name', busy, { timeout: 30_000 });
  // The count selector limits the lists.
  await page.getByTestId('top-count').selectOption('5');
  await page.getByTestId('top-period').selectOption('900');
  await expect(page.getByTestId('top-cpu').getByTestId('top-item').first()).toHaveAttribute('data-vm-name', busy, { timeout: 30_000 });
  expect(await page.getByTestId('top-cpu').getByTestId('top-item').count()).toBeLessThanOrEqual(5);
});

test("a VM's Metrics tab charts lab data, live, across ranges, and exports CSV", async () => {
  const row = await findVm(page, busy);
  await row.getByRole('link').click();
  await page.getByTestId('vm-tab-metrics').click();
  const metrics = page.getByTestId('vm-metrics');
  await expect(metrics).toHaveAttribute('data-resolution', 'raw');
  for (const id of ['chart-cpu', 'chart-memory', 'chart-disk', 'chart-iops', 'chart-net']) {
    await expect(page.getByTestId(id).locator('canvas')).toBeVisible();
  }
  // Live: new samples keep arriving on the 15-minute chart.
  const n0 = Number(await page.getByTestId('chart-cpu').getAttribute('data-points'));
  await expect.poll(async () => Number(await page.getByTestId('chart-cpu').getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(Math.max(n0, 1));
  // Hovering shows the values in the legend.
  const box = (await page.getByTestId('chart-cpu').locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
  await expect(page.getByTestId('chart-cpu').locator('.u-legend .u-value').nth(1)).toContainText('%');

  // Longer ranges come from the rollups.
  await page.getByTestId('range-24h').click();
  await expect(metrics).toHaveAttribute('data-resolution', '1m');
  await expect(page.getByTestId('chart-cpu')).not.toHaveAttribute('data-points', '0');
  await page.getByTestId('range-1y').click();
  await expect(metrics).toHaveAttribute('data-resolution', '1h');
  await expect(page.getByTestId('chart-cpu')).not.toHaveAttribute('data-points', '0');
  await page.getByTestId('range-1h').click();
  await expect(metrics).toHaveAttribute('data-resolution', 'raw');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-disk-csv').click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8').split('\n');
  expect(csv[0]).toBe('time,Read,Write');
  expect(csv.length).toBeGreaterThan(3);
  expect(download.suggestedFilename()).toBe(`${busy}-disk-1h.csv`);
});
