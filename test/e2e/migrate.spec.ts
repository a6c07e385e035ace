/**
 * Issue 15, the migration UI: from the VM page a running shared-disk guest migrates lab1→lab2 with
 * a bandwidth limit raised mid-way; the page shows the progress with libvirt's figures (and Tasks
 * the same), then the new host, and never says the VM is gone. A local-disk guest cannot go with
 * Shared storage: the dialog says why before anything moves. In Korean, all of it in Korean.
 * Checked with `virsh` on both hosts.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import { defineDomain, labTimeouts, readSerialLog, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm, goneSeen, watchForGone } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import { checkScreen, watchContext, type PageWatch } from './screen-checks';
import type { Serve } from './serve-fixture';

const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SHOTS = '/work/notes/screens';
const tag = crypto.randomBytes(2).toString('hex');
const SHARED = `migui-shared-${tag}`;
const LOCAL = `migui-local-${tag}`;
let serve: Serve;
let lab: LabInfo;
let h1: LabHost;
let h2: LabHost;
let page: Page;
let watch: PageWatch;

const sharedDisk = () => `${lab.sharedPoolPath}/${SHARED}.qcow2`;
const localDisk = `/var/lib/libvirt/images/${LOCAL}.qcow2`;

async function state(h: LabHost, name: string): Promise<string> {
  return (await sshRun(h, `virsh domstate ${name} 2>/dev/null || echo absent`)).trim();
}

/** Opens a VM's page from the list; `host` picks one of namesakes on several hosts. */
async function openVm(name: string, host?: LabHost) {
  const rows = await findVm(page, name);
  const row = host ? rows.filter({ has: page.getByTestId('vm-host').getByText(host.name, { exact: true }) }) : rows;
  await row.getByRole('link').click();
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-vm-name', name);
}

/** From the VM's page: Migrate, the target host (once the pre-flight allows it), a limit, submit; the page is watched for "gone" from then on. */
async function migrateFromPage(name: string, to: LabHost, bandwidthMiBs: number) {
  await openVm(name);
  await page.getByTestId('vm-action-migrate').click();
  const dialog = page.getByTestId('migrate-dialog');
  const target = dialog.locator(`[data-testid="migrate-target"][data-host-name="${to.name}"]`);
  await expect(target).toHaveAttribute('data-refused', 'false', { timeout: 30_000 });
  await target.locator('input').check();
  await dialog.getByTestId('migrate-bandwidth').fill(String(bandwidthMiBs));
  await watchForGone(page);
  await dialog.getByTestId('migrate-submit').click();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  lab = labOf();
  [h1, h2] = lab.hosts as [LabHost, LabHost];
  await sshRun(h1, `qemu-img create -q -f qcow2 ${sharedDisk()} 64M && virsh pool-refresh shared >/dev/null`);
  for (const h of lab.hosts) await sshRun(h, 'virsh pool-refresh shared >/dev/null 2>&1; true');
  await sshRun(h1, `qemu-img create -q -f qcow2 ${localDisk} 64M && virsh pool-refresh default >/dev/null`);
  await defineDomain(h1, testGuestXml({ name: SHARED, disk: sharedDisk(), memoryMiB: 160, network: null, agent: false, lab }));
  await defineDomain(h1, testGuestXml({ name: LOCAL, disk: localDisk, memoryMiB: 128, network: null, agent: false, lab }));
  for (const n of [SHARED, LOCAL]) await virsh(h1, ['start', n]);
  for (const n of [SHARED, LOCAL]) await waitFor(`${n} to boot`, async () => (await readSerialLog(h1, n)).includes(lab.guest.banner), labTimeouts(lab).bootMs * 3, 500); // a shared, busy machine boots TCG guests slowly
  let opened: { serve: Serve; page: Page };
  ({ serve, page } = opened = await serveAndOpen(browser));
  watch = await watchContext(opened.page.context());
  await page.reload();
  for (const h of lab.hosts) await addLabHost(page, lab, h);
});

test.afterAll(async () => {
  await serve?.stop();
  for (const h of lab?.hosts ?? []) {
    await sshRun(h, `for d in ${SHARED} ${LOCAL}; do virsh domjobabort $d >/dev/null 2>&1; virsh destroy $d >/dev/null 2>&1; virsh undefine $d >/dev/null 2>&1; done; rm -f ${localDisk}; virsh pool-refresh default >/dev/null 2>&1; true`).catch(() => undefined);
  }
  await sshRun(h1, `rm -f ${sharedDisk()}; virsh pool-refresh shared >/dev/null 2>&1; true`).catch(() => undefined);
});

test('a local-disk guest cannot go with Shared storage: the dialog says why, and Copy offers a pool per disk', async () => {
  test.setTimeout(120_000);
  await openVm(LOCAL);
  await page.getByTestId('vm-action-migrate').click();
  const dialog = page.getByTestId('migrate-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toHaveText(`Migrate ${LOCAL}`);
  // With Shared storage: refused before anything moves, with its reason (the VM, or every other host).
  const blockers = dialog.getByTestId('migrate-blockers');
  const others = dialog.locator(`[data-testid="migrate-target"]:not([data-host-name="${h1.name}"])`);
  await expect
    .poll(async () => (await blockers.isVisible()) || (await others.evaluateAll((els) => els.length > 0 && els.every((e) => e.getAttribute('data-refused') === 'true'))), { timeout: 30_000 })
    .toBe(true);
  const reason = (await blockers.isVisible()) ? blockers : others.first().getByTestId('migrate-target-why');
  await expect(reason).toContainText(/\w{3,}/);
  await expect(dialog.locator(`[data-testid="migrate-target"][data-host-name="${h1.name}"]`)).toHaveAttribute('data-refused', 'true');
  await expect(dialog.locator(`[data-testid="migrate-target"][data-host-name="${h1.name}"] [data-testid="migrate-target-why"]`)).toContainText('the VM is on this host');
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-dialog-local-en.png` });

  // Copy storage: the refusal goes, and vda gets a target pool choice from the hosts' pools.
  await dialog.getByTestId('migrate-storage-copy').check();
  await expect(blockers).toHaveCount(0, { timeout: 30_000 });
  const pool = dialog.getByTestId('migrate-disk-pool-vda');
  await expect(pool).toBeVisible({ timeout: 30_000 });
  await expect(pool.locator('option')).toContainText(['default']);
  await expect(dialog.locator(`[data-testid="migrate-target"][data-host-name="${h2.name}"]`)).toHaveAttribute('data-refused', 'false');
  await page.screenshot({ path: `${SHOTS}/migui-dialog-copy-en.png` });
  await dialog.getByTestId('migrate-close').click();
  await expect(dialog).toHaveCount(0);
});

test('from the list, several chosen VMs get one dialog: hosts that cannot take one of them name it', async () => {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('vm-search').fill(`migui-`);
  for (const n of [SHARED, LOCAL]) await page.locator(`[data-testid="vm-row"][data-vm-name="${n}"] input[type="checkbox"]`).check();
  await page.getByTestId('vm-bulk-migrate').click();
  const dialog = page.getByTestId('migrate-dialog');
  await expect(dialog.getByRole('heading')).toHaveText('Migrate 2 VMs');
  const here = dialog.locator(`[data-testid="migrate-target"][data-host-name="${h1.name}"]`);
  await expect(here).toHaveAttribute('data-refused', 'true');
  await expect(here.getByTestId('migrate-target-why')).toHaveText('— the chosen VMs are all on this host');
  // With Shared storage the local-disk guest cannot go: said for it by name.
  await expect(dialog.getByTestId('migrate-blockers')).toContainText(LOCAL, { timeout: 30_000 });
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-bulk-en.png` });
  await dialog.getByTestId('migrate-close').click();
  for (const n of [SHARED, LOCAL]) await page.locator(`[data-testid="vm-row"][data-vm-name="${n}"] input[type="checkbox"]`).uncheck();
});

test('a running shared-disk guest migrates lab1→lab2 from its page: progress, a limit raised mid-way, then the new host', async ({ browser }) => {
  test.setTimeout(300_000);
  // Another guest of the same name runs on lab3: the dialog greys lab3 out, saying so.
  const h3 = lab.hosts[2];
  if (h3) {
    await defineDomain(h3, testGuestXml({ name: SHARED, memoryMiB: 64, network: null, agent: false, lab }));
    await virsh(h3, ['start', SHARED]);
  }
  await openVm(SHARED, h1);
  const url = page.url();
  await expect(page.getByTestId('vm-where-host')).toHaveText(`Runs on ${h1.name}`, { timeout: 30_000 });
  await page.getByTestId('vm-action-migrate').click();
  const dialog = page.getByTestId('migrate-dialog');
  await expect(dialog).toHaveAttribute('data-live', 'true');
  if (h3) {
    const to3 = dialog.locator(`[data-testid="migrate-target"][data-host-name="${h3.name}"]`);
    await expect(to3).toHaveAttribute('data-refused', 'true', { timeout: 30_000 });
    await expect(to3.getByTestId('migrate-target-why')).toContainText(`${h3.name} already runs a VM named ${SHARED}`);
  }
  const to2 = dialog.locator(`[data-testid="migrate-target"][data-host-name="${h2.name}"]`);
  await expect(to2).toHaveAttribute('data-refused', 'false', { timeout: 30_000 });
  await to2.locator('input').check();
  // A value the engine refuses comes back at its field, in words.
  await dialog.getByTestId('migrate-bandwidth').fill('200000');
  await dialog.getByTestId('migrate-submit').click();
  await expect(dialog.getByTestId('migrate-field-error-bandwidthMiBs')).toHaveText('Bandwidth limit (MiB/s) must be at most 100,000.');
  // Slow enough to watch: 1 MiB/s, raised to unlimited below.
  await dialog.getByTestId('migrate-bandwidth').fill('1');
  await expect(dialog.getByTestId('migrate-field-error-bandwidthMiBs')).toHaveCount(0);
  await dialog.getByTestId('migrate-advanced').locator('summary').click();
  await expect(dialog.getByTestId('migrate-progress-timeout')).toHaveValue('150');
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-dialog-en.png` });

  await watchForGone(page);
  await dialog.getByTestId('migrate-submit').click();
  await expect(dialog).toHaveCount(0, { timeout: 15_000 });
  const progress = page.getByTestId('migration-progress');
  await expect(progress).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('migration-title')).toHaveText(`Migrating to ${h2.name}`, { timeout: 30_000 });
  // libvirt's figures arrive once the memory copy runs.
  await expect(page.getByTestId('migration-remaining')).toContainText(/\d.* of .*\d/, { timeout: 60_000 });
  await expect(page.getByTestId('migration-transfer-rate')).toContainText(/\/s/);
  await expect(page.getByTestId('migration-limit')).toContainText('1 MiB/s');
  await expect(page.getByRole('progressbar', { name: `Migrating to ${h2.name}` })).toBeVisible();
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-progress-en.png` });

  // Tasks shows the same figures, in a second tab so this page stays open.
  const other = await browser.newContext();
  const tasks = await other.newPage();
  await tasks.goto(serve.url);
  await tasks.getByTestId('nav-tasks').click();
  const row = tasks.locator('[data-testid="job-row"][data-state="running"]').filter({ has: tasks.getByTestId('migration-figures') });
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await expect(row.getByTestId('migration-remaining')).toContainText(/ of /);
  await checkScreen(tasks, { lang: 'en' });
  await tasks.screenshot({ path: `${SHOTS}/migui-tasks-en.png` });
  await other.close();

  // Raising the limit mid-way lets it finish.
  await page.getByTestId('migration-speed').fill('0');
  await page.getByTestId('migration-speed-set').click();
  await expect(page.getByTestId('migration-limit')).toContainText('Unlimited', { timeout: 30_000 });

  await expect(page.getByTestId('vm-where-host')).toContainText(`Runs on ${h2.name}`, { timeout: labTimeouts(lab).migrateMs });
  await expect(page.getByTestId('migration-outcome')).toContainText(`Migrated from ${h1.name} to ${h2.name}`, { timeout: 30_000 });
  await expect(progress).toHaveCount(0);
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'running');
  expect(page.url()).toBe(url);
  expect(await goneSeen(page)).toBe(false);
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-after-en.png` });
  // libvirt agrees: running on lab2, not on lab1.
  expect(await state(h2, SHARED)).toBe('running');
  expect(await state(h1, SHARED)).not.toBe('running');
  if (h3) await sshRun(h3, `virsh destroy ${SHARED} >/dev/null; virsh undefine ${SHARED} >/dev/null`);
});

test('Cancel stops a migration half-way and the VM keeps running where it was', async () => {
  test.setTimeout(180_000);
  const h3 = lab.hosts[2];
  test.skip(!h3, 'needs a third lab host');
  await migrateFromPage(SHARED, h3!, 1);
  await expect(page.getByTestId('migration-remaining')).toContainText(/ of /, { timeout: 60_000 });
  await page.getByTestId('migration-cancel').click();
  const outcome = page.getByTestId('migration-outcome');
  await expect(outcome).toHaveAttribute('data-state', 'cancelled', { timeout: 15_000 });
  await expect(outcome).toContainText(`The migration to ${h3!.name} was cancelled; the VM stays on ${h2.name}.`);
  await expect(page.getByTestId('vm-where-host')).toHaveText(`Runs on ${h2.name}`);
  expect(await goneSeen(page)).toBe(false);
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-cancelled-en.png` });
  expect(await state(h2, SHARED)).toBe('running');
  expect(await state(h3!, SHARED)).not.toBe('running');
  await page.getByTestId('migration-outcome-dismiss').click();
});

test('in Korean: the dialog, the refusal and the progress read in Korean as the guest moves back', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  const allow = [SHARED, LOCAL, ...lab.hosts.map((h) => h.name)];

  await openVm(LOCAL);
  await page.getByTestId('vm-action-migrate').click();
  const dialog = page.getByTestId('migrate-dialog');
  await expect(dialog.getByRole('heading')).toHaveText(`${LOCAL} 마이그레이션`);
  await expect(dialog.getByTestId('migrate-storage')).toContainText('공유 스토리지');
  await expect(dialog.locator(`[data-testid="migrate-target"][data-host-name="${h1.name}"] [data-testid="migrate-target-why"]`)).toContainText('VM이 지금 이 호스트에 있습니다', { timeout: 30_000 });
  await expect(dialog.getByTestId('migrate-blockers')).toContainText('스토리지 복사로 마이그레이션하세요', { timeout: 30_000 });
  await dialog.getByTestId('migrate-advanced').locator('summary').click();
  await checkScreen(page, { lang: 'ko', watch, allowWords: allow });
  await page.screenshot({ path: `${SHOTS}/migui-dialog-ko.png` });
  await dialog.getByTestId('migrate-close').click();

  await migrateFromPage(SHARED, h1, 2);
  await expect(page.getByTestId('migration-title')).toHaveText(`${h1.name}(으)로 마이그레이션 중`, { timeout: 30_000 });
  await expect(page.getByTestId('migration-remaining')).toContainText(/중/, { timeout: 60_000 });
  await checkScreen(page, { lang: 'ko', watch, allowWords: allow });
  await page.screenshot({ path: `${SHOTS}/migui-progress-ko.png` });
  await page.getByTestId('migration-speed').fill('0');
  await page.getByTestId('migration-speed-set').click();
  await expect(page.getByTestId('vm-where-host')).toContainText(`${h1.name}에서 실행 중`, { timeout: labTimeouts(lab).migrateMs });
  await expect(page.getByTestId('migration-outcome')).toContainText(`${h2.name}에서 ${h1.name}(으)로 마이그레이션했습니다`, { timeout: 30_000 });
  expect(await goneSeen(page)).toBe(false);
  await checkScreen(page, { lang: 'ko', watch, allowWords: allow });
  await page.screenshot({ path: `${SHOTS}/migui-after-ko.png` });
  expect(await state(h1, SHARED)).toBe('running');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});

test('a stopped guest moves offline: the dialog says Move and offers no live choices', async () => {
  test.setTimeout(180_000);
  await virsh(h1, ['destroy', LOCAL]);
  await openVm(LOCAL);
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
  await page.getByTestId('vm-action-migrate').click();
  const dialog = page.getByTestId('migrate-dialog');
  await expect(dialog.getByRole('heading')).toHaveText(`Move ${LOCAL}`, { timeout: 30_000 });
  await expect(dialog).toContainText('The VM is stopped: its definition moves to the other host');
  await expect(dialog.getByTestId('migrate-bandwidth')).toHaveCount(0);
  await expect(dialog.getByTestId('migrate-mode')).toHaveCount(0);
  await expect(dialog.getByTestId('migrate-submit')).toHaveText('Move');
  await dialog.getByTestId('migrate-storage-copy').check();
  const to2 = dialog.locator(`[data-testid="migrate-target"][data-host-name="${h2.name}"]`);
  await expect(to2).toHaveAttribute('data-refused', 'false', { timeout: 30_000 });
  await to2.locator('input').check();
  await checkScreen(page, { lang: 'en', watch });
  await page.screenshot({ path: `${SHOTS}/migui-offline-en.png` });
  await watchForGone(page);
  await dialog.getByTestId('migrate-submit').click();
  await expect(page.getByTestId('vm-where-host')).toHaveText(`On ${h2.name}, not running`, { timeout: 120_000 });
  await expect(page.getByTestId('migration-outcome')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  expect(await state(h2, LOCAL)).toBe('shut off');
  expect(await goneSeen(page), 'the VM page said the VM is gone during its offline move').toBe(false);
  await page.getByTestId('migration-outcome-dismiss').click();
});
