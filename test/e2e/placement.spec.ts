import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sshRun, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import type { Serve } from './serve-fixture';

/**
 * Issue 14, placement, as a person sees it: a host's capacity and overcommit on its page, affinity
 * groups on the VMs page, and a create refused with each host and why, in English and Korean.
 */
const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SHOTS = '/work/notes/screens';
const tag = crypto.randomBytes(2).toString('hex');
const VM = `fcpl-e2e-a-${tag}`;
const BIG = `fcpl-e2e-big-${tag}`;
const GROUP = `fcpl-apart-${tag}`;
let serve: Serve;
let lab: LabInfo;
let h1: LabHost;
let h2: LabHost;
let page: Page;
let watch: PageWatch;
const shot = async (name: string) => {
  if (fs.existsSync(path.dirname(SHOTS))) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `fc-placement-${name}.png`), fullPage: true });
  }
};

test.beforeAll(async ({ browser }) => {
  lab = labOf();
  [h1, h2] = lab.hosts as [LabHost, LabHost];
  ({ serve, page } = await serveAndOpen(browser));
  watch = await watchPage(page);
  await addLabHost(page, lab, h1);
  await addLabHost(page, lab, h2);
});
test.afterAll(async () => {
  await serve?.stop();
  for (const h of [h1, h2]) {
    const cmds = [VM, BIG].map((n) => `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n}-disk0.qcow2 >/dev/null 2>&1`).join('; ');
    await sshRun(h, `${cmds}; true`).catch(() => undefined);
  }
});

async function openHost(h: LabHost) {
  await page.getByTestId('nav-hosts').click();
  await page.locator(`[data-testid="host-row"][data-host-name="${h.name}"] a[href^="#/hosts/"]`).first().click();
  await expect(page.getByTestId('host-placement')).toBeVisible();
}

async function tryCreate(name: string, memoryMiB: string) {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-name').fill(name);
  await page.getByTestId('vm-create-memory').fill(memoryMiB);
  await page.getByTestId('vm-create-network').selectOption('');
  await page.getByTestId('vm-create-source').selectOption('blank');
  await page.getByTestId('vm-create-disk-size').fill('0.05');
  await page.getByTestId('vm-create-accel').selectOption(lab.accel === 'kvm' ? 'kvm' : 'tcg');
  await page.getByTestId('vm-create-submit').click();
}

test('affinity groups: create one, add a VM, make it preferred', async () => {
  await tryCreate(VM, '64');
  await expect(page.getByTestId('vm-create-result')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await page.getByTestId('vm-create-dismiss').click();
  await expect(await findVm(page, VM)).toBeVisible();
  await page.getByTestId('vm-search').fill('');

  await page.getByTestId('affinity-toggle').click();
  await expect(page.getByTestId('affinity-empty')).toHaveText('No affinity groups yet.');
  await page.getByTestId('affinity-new-name').fill(GROUP);
  await page.getByTestId('affinity-new-kind').selectOption('antiAffinity');
  await page.getByTestId('affinity-new-submit').click();
  const group = page.locator(`[data-testid="affinity-group"][data-group="${GROUP}"]`);
  await expect(group).toContainText('No VMs in this group.');
  await group.getByTestId('affinity-add-vm').selectOption({ label: VM });
  await group.getByTestId('affinity-add').click();
  await expect(group.getByTestId('affinity-members')).toContainText(VM);
  await group.getByTestId('affinity-enforcement').selectOption('soft');
  await expect(group.getByTestId('affinity-enforcement')).toHaveValue('soft');
  await checkScreen(page, { watch });
  await shot('groups-en');
});

test('the host page shows capacity for placement and takes its overcommit ratio', async () => {
  for (const h of [h1, h2]) {
    await openHost(h);
    await page.getByTestId('host-placement-memory-ratio').fill('0.01');
    await page.getByTestId('host-placement-save').click();
    await expect(page.getByTestId('host-placement-saved')).toContainText('✓');
    const physical = Number((await page.locator('[data-testid="host-placement-capacity"] tr[data-resource="memory"] td').first().innerText()).replace(/\D/g, ''));
    await expect(page.locator('[data-testid="host-placement-capacity"] tr[data-resource="memory"] td').nth(1)).toHaveText(new Intl.NumberFormat('en-US').format(Math.floor(physical * 0.01)));
  }
  await checkScreen(page, { watch });
  await page.getByTestId('host-placement').scrollIntoViewIfNeeded();
  await shot('host-en');
});

test('a create no host can take says, for each host, why (English, then Korean)', async () => {
  await tryCreate(BIG, '400');
  const refusal = page.getByTestId('placement-refusal');
  await expect(refusal).toContainText('No host can take this VM. Each host and why:');
  for (const h of [h1, h2]) await expect(refusal.locator(`li[data-host="${h.name}"]`)).toContainText(new RegExp(`${h.name} has \\d[\\d,]* MiB of memory free, the VM needs 400 MiB`));
  await expect(page.getByTestId('vm-create-name')).toHaveValue(BIG);
  await checkScreen(page, { watch });
  await shot('refusal-en');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  // Pool names (the lab's 'default' and 'shared') are data, in the form and on the host page.
  const allowWords = [GROUP, VM, BIG, h1.name, h2.name, /^fcpl/, 'default', 'shared'];
  await tryCreate(BIG, '400');
  await expect(refusal).toContainText('이 VM을 받을 수 있는 호스트가 없습니다. 호스트별 이유:');
  for (const h of [h1, h2]) await expect(refusal.locator(`li[data-host="${h.name}"]`)).toContainText(/여유 메모리는 \d[\d,]* MiB인데 VM에는 400 MiB가 필요합니다/);
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('refusal-ko');
  await page.getByRole('button', { name: '취소' }).click();
  await page.getByTestId('affinity-toggle').click();
  await expect(page.locator(`[data-testid="affinity-group"][data-group="${GROUP}"] [data-testid="affinity-enforcement"]`)).toHaveValue('soft');
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('groups-ko');
  await openHost(h1);
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await page.getByTestId('host-placement').scrollIntoViewIfNeeded();
  await shot('host-ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
