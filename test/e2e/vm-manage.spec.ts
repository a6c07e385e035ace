import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sshRun, virsh, type LabHost, type LabInfo } from '../lab/lab-info';
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
const isoVm = `iso-${tag}`;
const baseVm = `base-${tag}`;
const renamed = `renamed-${tag}`;

test.beforeAll(async ({ browser }) => {
  lab = labOf();
  h1 = lab.hosts[0]!;
  // The lab's test ISO and base image, put where a user keeps them: in a storage pool.
  fs.copyFileSync(lab.guest.iso, path.join(lab.sharedPoolPath, `test-${tag}.iso`));
  fs.copyFileSync(lab.guest.baseImage, path.join(lab.sharedPoolPath, `base-${tag}.qcow2`));
  await virsh(h1, ['pool-refresh', 'shared']);
  ({ serve, page } = await serveAndOpen(browser));
  await addLabHost(page, lab, h1);
});
test.afterAll(async () => {
  await serve?.stop();
  for (const n of [isoVm, baseVm, renamed]) {
    await sshRun(h1, `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n}-disk0.qcow2 >/dev/null 2>&1; virsh vol-delete --pool default ${n}-seed.iso >/dev/null 2>&1; virsh vol-delete --pool default ${n}-vdb.qcow2 >/dev/null 2>&1; true`).catch(() => undefined);
  }
  fs.rmSync(path.join(lab.sharedPoolPath, `test-${tag}.iso`), { force: true });
  fs.rmSync(path.join(lab.sharedPoolPath, `base-${tag}.qcow2`), { force: true });
});

async function createVm(name: string, source: 'iso' | 'clone-overlay', volume: string, extra?: (p: Page) => Promise<void>) {
  await page.getByTestId('nav-vms').click();
  // The last create's result stays up until it is closed.
  const result = page.getByTestId('vm-create-result');
  if (await result.isVisible()) {
    await expect(result).not.toHaveAttribute('data-state', /queued|running/, { timeout: 30_000 });
    await page.getByTestId('vm-create-dismiss').click();
  }
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-name').fill(name);
  await page.getByTestId('vm-create-host').selectOption({ label: h1.name });
  await page.getByTestId('vm-create-memory').fill('256');
  // On a lab whose /dev/kvm cannot run guests (it says so), the user picks software emulation.
  if (lab.accel === 'tcg') await page.getByTestId('vm-create-accel').selectOption('tcg');
  await page.getByTestId('vm-create-source').selectOption(source);
  await page.getByTestId('vm-create-source-pool').selectOption('shared');
  await page.getByTestId('vm-create-source-volume').selectOption(volume);
  await page.getByTestId('vm-create-disk-size').fill('1');
  await page.getByTestId('vm-create-network').selectOption('');
  await extra?.(page);
  await page.getByTestId('vm-create-submit').click();
}

test('refuses bad input with a message and changes nothing', async () => {
  const before = (await virsh(h1, ['list', '--all', '--name'])).trim();
  for (const bad of ['a/b', 'x;rm -rf /', '$(touch /tmp/pwned)', '-lead']) {
    await createVm(bad, 'iso', `test-${tag}.iso`);
    await expect(page.getByTestId('vm-create-error')).toContainText('Name: use letters, digits');
    await page.getByRole('button', { name: 'Cancel' }).click();
  }
  expect(fs.existsSync('/tmp/pwned')).toBe(false);
  expect((await sshRun(h1, 'test -e /tmp/pwned && echo yes || echo no')).trim()).toBe('no');
  await createVm(`big-${tag}`, 'iso', `test-${tag}.iso`, async (p) => p.getByTestId('vm-create-memory').fill(String(1024 * 1024)));
  await expect(page.getByTestId('vm-create-error')).toContainText(/more memory than/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect((await virsh(h1, ['list', '--all', '--name'])).trim()).toBe(before);
});

test('creates a VM from the ISO and one from the base image, starts both and sees Running', async () => {
  await createVm(isoVm, 'iso', `test-${tag}.iso`);
  await createVm(baseVm, 'clone-overlay', `base-${tag}.qcow2`, async (p) => {
    await p.getByTestId('vm-create-start').check();
    await p.getByTestId('vm-create-cloudinit').check();
    await p.getByTestId('vm-create-ci-user').fill('ops');
    await p.getByTestId('vm-create-ci-keys').fill('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHangarTestKey ops@laptop');
  });
  // A second VM with a name that is taken is refused.
  await createVm(isoVm, 'iso', `test-${tag}.iso`);
  await expect(page.getByTestId('vm-create-error')).toContainText(/already has a VM named/);
  await page.getByRole('button', { name: 'Cancel' }).click();

  const base = await findVm(page, baseVm);
  await expect(base).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  // Filters by what it was made from and by OS profile.
  await page.getByTestId('vm-search').fill('');
  await page.getByTestId('vm-filter-origin').selectOption(`base:shared/base-${tag}.qcow2`);
  await expect(page.getByTestId('vm-row')).toHaveCount(1);
  await expect(page.locator(`[data-testid="vm-row"][data-vm-name="${baseVm}"]`)).toBeVisible();
  await page.getByTestId('vm-filter-origin').selectOption('');
  await page.getByTestId('vm-filter-os').selectOption('legacy');
  await expect(page.getByTestId('vm-row')).toHaveCount(0);
  await page.getByTestId('vm-filter-os').selectOption('');
  // cloud-init: a NoCloud seed ISO (label cidata) is attached, with the user and key in its user-data.
  const seed = path.join(h1.stateDir, 'var-lib-libvirt', 'images', `${baseVm}-seed.iso`);
  expect(await virsh(h1, ['dumpxml', baseVm])).toContain(`${baseVm}-seed.iso`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
  expect(spawnSync('xorriso', ['-osirrox', 'on', '-indev', seed, '-extract', '/', out]).status).toBe(0);
  const userData = fs.readFileSync(path.join(out, 'user-data'), 'utf8');
  expect(userData).toContain('"name": "ops"');
  expect(userData).toContain('HangarTestKey');
  expect(fs.readFileSync(path.join(out, 'meta-data'), 'utf8')).toContain(`"local-hostname":"${baseVm}"`);
  // The overlay really is a qcow2 on top of the base image.
  const volXml = await virsh(h1, ['vol-dumpxml', '--pool', 'default', `${baseVm}-disk0.qcow2`]);
  expect(volXml).toContain(`base-${tag}.qcow2`);

  const iso = await findVm(page, isoVm);
  await expect(iso).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
  expect(await virsh(h1, ['dumpxml', isoVm])).toMatch(/<boot dev='cdrom'\/>\s*<boot dev='hd'\/>/);
  await iso.getByRole('checkbox').check();
  await page.getByTestId('vm-bulk-start').click();
  await expect(iso).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  expect((await virsh(h1, ['domstate', isoVm])).trim()).toBe('running');
});

test('edits the memory of a stopped VM, and flags a NIC added to a running one as pending', async () => {
  // The ISO VM: force it off, then change its memory.
  let row = await findVm(page, isoVm);
  await row.getByRole('link').click();
  await page.getByTestId('vm-action-forceOff').click();
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'stopped', { timeout: 20_000 });
  await page.getByTestId('vm-tab-details').click();
  await page.getByTestId('vm-edit-memory').fill('384');
  await page.getByTestId('vm-edit-save').click();
  await expect.poll(async () => virsh(h1, ['dumpxml', isoVm]), { timeout: 10_000 }).toContain("<memory unit='KiB'>393216</memory>");
  await page.getByTestId('vm-tab-overview').click();
  await expect(page.getByTestId('ov-memory')).toHaveText('384 MiB');

  // Group, labels and autostart; then a disk added and detached again.
  await page.getByTestId('vm-tab-details').click();
  await page.getByTestId('vm-edit-group').fill('web');
  await page.getByTestId('vm-edit-labels').fill('env=prod\nteam=ops');
  await page.getByTestId('vm-edit-autostart').check();
  await page.getByTestId('vm-edit-save').click();
  await expect.poll(async () => virsh(h1, ['dumpxml', '--inactive', isoVm]), { timeout: 10_000 }).toContain('>prod</');
  expect(await virsh(h1, ['dominfo', isoVm])).toMatch(/Autostart:\s+enable/);
  await page.getByTestId('vm-tab-disks').click();
  await page.getByTestId('vm-disk-size').fill('0.5');
  await page.getByTestId('vm-disk-submit').click();
  await expect(page.locator('[data-testid="vm-disk-row"][data-target="vdb"]')).toBeVisible();
  expect(await virsh(h1, ['domblklist', '--inactive', isoVm])).toContain('vdb');
  await page.getByTestId('vm-disk-detach-vdb').click();
  await expect(page.locator('[data-testid="vm-disk-row"][data-target="vdb"]')).toHaveCount(0);
  expect(await virsh(h1, ['domblklist', '--inactive', isoVm])).not.toContain('vdb');
  // Grow its disk; eject the installer CD and insert it again.
  await page.getByTestId('vm-disk-resize-size-vda').fill('2');
  await page.getByTestId('vm-disk-resize-vda').click();
  await expect.poll(async () => virsh(h1, ['vol-info', '--pool', 'default', `${isoVm}-disk0.qcow2`]), { timeout: 10_000 }).toMatch(/Capacity:\s+2\.00 GiB/);
  await page.getByTestId('vm-cd-eject-sdb').click();
  await expect(page.getByTestId('vm-cd-insert-sdb')).toBeVisible();
  expect(await virsh(h1, ['domblklist', '--inactive', isoVm])).toMatch(/sdb\s+-/);
  await page.getByTestId('vm-cd-iso-sdb').selectOption(`shared/test-${tag}.iso`);
  await page.getByTestId('vm-cd-insert-sdb').click();
  await expect(page.getByTestId('vm-cd-eject-sdb')).toBeVisible();
  expect(await virsh(h1, ['domblklist', '--inactive', isoVm])).toContain(`test-${tag}.iso`);
  // Labels are searchable in the list.
  await findVm(page, 'env=prod');
  await expect(page.locator(`[data-testid="vm-row"][data-vm-name="${isoVm}"]`)).toBeVisible();
  row = await findVm(page, isoVm);
  await row.getByRole('link').click();

  // XML tab: a broken edit is refused with libvirt's own words and changes nothing; a good one saves.
  await page.getByTestId('vm-tab-xml').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('vm-xml-download').click();
  expect((await download).suggestedFilename()).toBe(`${isoVm}.xml`);
  await page.getByTestId('vm-xml-edit').click();
  const editor = page.getByTestId('vm-xml-editor');
  const original = await editor.inputValue();
  await editor.fill(original.replace('<memory', '<memoryx').replace('</memory>', '</memoryx>'));
  await page.getByTestId('vm-xml-save').click();
  await expect(page.getByTestId('vm-error')).toBeVisible();
  expect(await virsh(h1, ['dumpxml', '--inactive', isoVm])).toContain("<memory unit='KiB'>393216</memory>");
  await editor.fill(original.replace(/(<name>[^<]*<\/name>)/, '$1\n  <title>edited through XML</title>'));
  await page.getByTestId('vm-xml-save').click();
  await expect(page.getByTestId('vm-xml-persistent')).toContainText('edited through XML');
  expect(await virsh(h1, ['dumpxml', '--inactive', isoVm])).toContain('<title>edited through XML</title>');

  // The base VM runs: a NIC added to its configuration waits for the next power cycle.
  row = await findVm(page, baseVm);
  await row.getByRole('link').click();
  await page.getByTestId('vm-tab-nics').click();
  await page.getByTestId('vm-nic-network').selectOption('default');
  await page.getByTestId('vm-nic-submit').click();
  await expect(page.getByTestId('pending-changes')).toContainText('Add network interface');
  expect(await virsh(h1, ['dumpxml', '--inactive', baseVm])).toContain("<source network='default'/>");

  // Reboot with changes pending is a full power cycle: afterwards the NIC is live, nothing pending.
  await page.getByTestId('vm-action-reboot').click();
  await expect(page.getByTestId('pending-changes')).toHaveCount(0, { timeout: 90_000 });
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  expect(await virsh(h1, ['domiflist', baseVm])).toContain('default');

  // While it runs: memory lowered live (within its maximum) and the NIC's link pulled.
  await page.getByTestId('vm-tab-details').click();
  await page.getByTestId('vm-edit-memory').fill('200');
  await page.getByTestId('vm-edit-save').click();
  // (The test guest has no balloon driver, so it keeps its pages; libvirt took the live target and
  // saved it in the configuration, which is what a person can check here.)
  await expect.poll(async () => virsh(h1, ['dumpxml', '--inactive', baseVm]), { timeout: 10_000 }).toContain("<currentMemory unit='KiB'>204800</currentMemory>");
  await expect(page.getByTestId('vm-error')).toHaveCount(0);
  await page.getByTestId('vm-tab-nics').click();
  await page.getByTestId('vm-nic-link').first().click();
  await expect(page.getByTestId('vm-nic-link').first()).toHaveAttribute('data-link', 'down');
  const mac = /<mac address='([^']+)'/.exec(await virsh(h1, ['dumpxml', baseVm]))![1]!;
  expect((await virsh(h1, ['domif-getlink', baseVm, mac])).trim()).toMatch(/down$/);
});

test('shuts one down gracefully, then deletes one keeping its disk and one deleting it', async () => {
  await page.getByTestId('vm-action-shutdown').click();
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  expect((await virsh(h1, ['domstate', baseVm])).trim()).toBe('shut off');

  // Its history: libvirt's events and Hangar's tasks, persisted.
  await page.getByTestId('vm-tab-events').click();
  await expect(page.getByTestId('event-history')).toContainText(`${baseVm} shut down`);
  await expect(page.getByTestId('event-history')).toContainText(`Shut down ${baseVm}`);
  await expect(page.getByTestId('event-history')).toContainText(`${baseVm} started`);

  // base VM: delete it, its disk and its cloud-init seed.
  await page.getByTestId('vm-action-delete').click();
  await page.getByTestId('delete-disk-vda').check();
  await page.getByTestId('delete-disk-sdc').check();
  await page.getByTestId('delete-confirm').click();
  await expect.poll(async () => (await virsh(h1, ['list', '--all', '--name'])).includes(baseVm), { timeout: 20_000 }).toBe(false);
  await expect.poll(async () => (await virsh(h1, ['vol-list', 'default'])).includes(`${baseVm}-disk0.qcow2`), { timeout: 10_000 }).toBe(false);
  expect(await virsh(h1, ['vol-list', 'default'])).not.toContain(`${baseVm}-seed.iso`);
  // The base image it was made from is untouched.
  expect(await virsh(h1, ['vol-list', 'shared'])).toContain(`base-${tag}.qcow2`);

  // ISO VM: renamed while stopped, then deleted keeping its disk.
  const row = await findVm(page, isoVm);
  await row.getByRole('link').click();
  await page.getByTestId('vm-tab-details').click();
  await page.getByTestId('vm-edit-name').fill(renamed);
  await page.getByTestId('vm-edit-save').click();
  await expect.poll(async () => (await virsh(h1, ['list', '--all', '--name'])).split('\n'), { timeout: 10_000 }).toContain(renamed);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(renamed);
  await page.getByTestId('vm-action-delete').click();
  await page.getByTestId('delete-confirm').click();
  await expect.poll(async () => (await virsh(h1, ['list', '--all', '--name'])).includes(renamed), { timeout: 20_000 }).toBe(false);
  expect(await virsh(h1, ['vol-list', 'default'])).toContain(`${isoVm}-disk0.qcow2`);
  await expect(await findVm(page, renamed)).toHaveCount(0);
});
