import { expect, test } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { defineDomain, sshRun, testGuestXml, virsh, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();

let serve: Serve;
let lab: LabInfo;
const defined: [LabHost, string][] = [];

test.beforeAll(async () => {
  lab = labOf();
  // A user with no ~/.ssh entries for the lab: every host key must be confirmed in the UI.
  serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
});
test.afterAll(async () => {
  await serve?.stop();
  for (const [h, name] of defined) await sshRun(h, `virsh destroy ${name} >/dev/null 2>&1; virsh undefine ${name} >/dev/null 2>&1; true`).catch(() => undefined);
});

test('adds two lab hosts through the UI, confirming their fingerprints, and sees their VMs live', async ({ page }) => {
  const [h1, h2] = lab.hosts as [LabHost, LabHost];
  await page.goto(serve.url);
  const row1 = await addLabHost(page, lab, h1);
  await expect(row1).toContainText('libvirt');
  await addLabHost(page, lab, h2);

  // Hosts can be renamed and tagged after they were added.
  await page.locator(`[data-testid="host-row"][data-host-name="${h2.name}"]`).getByTestId('host-edit').click();
  await page.getByTestId('host-edit-tags').fill('rack-b, gpu');
  await page.getByTestId('host-edit-save').click();
  await expect(page.locator(`[data-testid="host-row"][data-host-name="${h2.name}"]`)).toContainText('rack-b');

  // Host detail: capacity, what running VMs take of it, pools and networks.
  await page.getByRole('link', { name: h1.name, exact: true }).click();
  await expect(page.getByTestId('host-cpu')).toContainText('vCPUs allocated');
  await expect(page.getByTestId('host-pools')).toContainText('shared');
  await expect(page.getByTestId('host-pools')).toContainText('default');

  // A domain defined and started with virsh behind Hangar's back shows up, then shows Running.
  const name = `e2e-${crypto.randomBytes(3).toString('hex')}`;
  defined.push([h1, name]);
  await defineDomain(h1, testGuestXml({ name, network: null, lab }));
  await page.getByTestId('nav-vms').click();
  // The list is virtualized: search narrows it to the one VM (the lab may hold hundreds).
  await page.getByTestId('vm-search').fill(name);
  const vm = page.locator(`[data-testid="vm-row"][data-vm-name="${name}"]`);
  await expect(vm).toHaveAttribute('data-state', 'stopped', { timeout: 10_000 });
  await expect(page.getByTestId('vm-row')).toHaveCount(1);
  await virsh(h1, ['start', name]);
  const returned = Date.now();
  await expect(vm).toHaveAttribute('data-state', 'running', { timeout: 5_000 });
  expect(Date.now() - returned).toBeLessThan(1000);

  // A bulk Force off from the UI is real on the host.
  await vm.getByRole('checkbox').check();
  await page.getByTestId('vm-bulk-forceOff').click();
  await expect(vm).toHaveAttribute('data-state', 'stopped', { timeout: 15_000 });
  expect((await virsh(h1, ['domstate', name])).trim()).toBe('shut off');

  await page.getByTestId('vm-bulk-start').click();
  await expect(vm).toHaveAttribute('data-state', 'running', { timeout: 15_000 });
  expect((await virsh(h1, ['domstate', name])).trim()).toBe('running');

  // Bulk delete: asks first, forces a running VM off, keeps disks.
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('vm-search').fill(name);
  page.once('dialog', (d) => void d.accept());
  await vm.getByRole('checkbox').check();
  await page.getByTestId('vm-bulk-delete').click();
  await expect(vm).toHaveCount(0, { timeout: 20_000 });
  expect((await virsh(h1, ['list', '--all', '--name'])).split('\n')).not.toContain(name);

  // The tasks the UI started are listed with their outcome.
  await page.getByTestId('nav-tasks').click();
  await expect(page.getByTestId('job-row').filter({ hasText: `Force off ${name}` })).toHaveAttribute('data-state', 'succeeded');
  await expect(page.getByTestId('job-row').filter({ hasText: `Start ${name}` })).toHaveAttribute('data-state', 'succeeded');
  await expect(page.getByTestId('job-row').filter({ hasText: `Delete ${name}` })).toHaveAttribute('data-state', 'succeeded');
});

test('a host that cannot be reached is refused with a clear error, and nothing is added', async ({ page }) => {
  const dataDir = await tempDataDir();
  const other = await startServe(dataDir, [], { HOME: await tempDataDir() });
  try {
    await page.goto(other.url);
    await page.getByTestId('nav-hosts').click();
    await page.getByTestId('add-host').click();
    await page.getByTestId('host-address').fill('10.66.0.250');
    await page.getByTestId('host-auth').selectOption('key');
    await page.getByTestId('host-key-path').fill(lab.keyPath);
    await page.getByTestId('test-host').click();
    // Nobody answers there: a clear error, nothing added.
    await expect(page.getByTestId('add-host-error')).toContainText(/reach|unreachable|timed out|refused/i, { timeout: 60_000 });
    await expect(page.getByTestId('host-row')).toHaveCount(0);
  } finally {
    await other.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
