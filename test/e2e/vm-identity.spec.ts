/**
 * Issue 14, Identity (DESIGN §8): a VM is its UUID, so its open page survives a live migration done
 * behind Hangar's back (`virsh migrate` on the lab host): the page stays, never says the VM is gone,
 * and names the new host and the inactive copy left on the old one, in English and in Korean.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import { defineDomain, labTimeouts, readSerialLog, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm, goneSeen, watchForGone } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import type { Serve } from './serve-fixture';

const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SHOTS = '/work/notes/screens';
const NAME = `fcid-e2e-${crypto.randomBytes(2).toString('hex')}`;
let serve: Serve;
let lab: LabInfo;
let h1: LabHost;
let h2: LabHost;
let page: Page;
let watch: PageWatch;

async function migrate(from: LabHost, to: LabHost) {
  const r = await sshExec(from, `virsh migrate --live --persistent ${NAME} qemu+ssh://${to.address}/system`, { timeoutMs: labTimeouts(lab).migrateMs });
  expect(r.code, r.stderr).toBe(0);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  lab = labOf();
  [h1, h2] = lab.hosts as [LabHost, LabHost];
  await defineDomain(h1, testGuestXml({ name: NAME, memoryMiB: 192, network: null, agent: false, lab }));
  await virsh(h1, ['start', NAME]);
  await waitFor('the guest to boot', async () => (await readSerialLog(h1, NAME)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
  ({ serve, page } = await serveAndOpen(browser));
  watch = await watchPage(page);
  await page.reload();
  await addLabHost(page, lab, h1);
  await addLabHost(page, lab, h2);
});

test.afterAll(async () => {
  await serve?.stop();
  for (const h of [h1, h2]) await sshRun(h, `virsh domjobabort ${NAME} >/dev/null 2>&1; virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`).catch(() => undefined);
});

test('the open VM page follows the VM to its new host and lists the copy left behind', async () => {
  test.setTimeout(240_000);
  const row = await findVm(page, NAME);
  await expect(row.getByTestId('vm-host')).toHaveText(h1.name, { timeout: 30_000 });
  await row.getByRole('link').click();
  const where = page.getByTestId('vm-where-host');
  await expect(where).toHaveText(`Runs on ${h1.name}`); // one copy only so far
  const url = page.url();
  await page.screenshot({ path: `${SHOTS}/fc-identity-before-en.png` });

  await watchForGone(page);
  await migrate(h1, h2);
  await expect(where).toContainText(`Runs on ${h2.name}`, { timeout: 30_000 });
  await expect(page.getByTestId('vm-where-copies')).toHaveText(`Inactive copies on ${h1.name}`, { timeout: 30_000 });
  await expect(page.getByTestId('vm-where-moved')).toHaveText(`Moved from ${h1.name} to ${h2.name}`);
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'running');
  expect(page.url()).toBe(url);
  expect(await goneSeen(page)).toBe(false);
  await expect(page.getByTestId('vm-where-twice')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/fc-identity-after-en.png` });
  await checkScreen(page, { lang: 'en', watch });

  // The list: one row, on the new host, with a badge for the other copy.
  const after = await findVm(page, NAME);
  await expect(after).toHaveCount(1);
  await expect(after.getByTestId('vm-host')).toContainText(h2.name);
  await expect(after.getByTestId('vm-copies')).toHaveText('+1');
  await expect(after.getByTestId('vm-copies')).toHaveAttribute('title', `Inactive copies on ${h1.name}`);
  await page.screenshot({ path: `${SHOTS}/fc-identity-list-en.png` });
});

test('in Korean, the page says where the VM went as it moves back', async () => {
  test.setTimeout(240_000);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  const row = await findVm(page, NAME);
  await row.getByRole('link').click();
  const where = page.getByTestId('vm-where-host');
  await expect(where).toContainText(`${h2.name}에서 실행 중`);

  await watchForGone(page);
  await migrate(h2, h1);
  await expect(where).toContainText(`${h1.name}에서 실행 중`, { timeout: 30_000 });
  await expect(page.getByTestId('vm-where-copies')).toHaveText(`비활성 사본 위치: ${h2.name}`, { timeout: 30_000 });
  await expect(page.getByTestId('vm-where-moved')).toHaveText(`${h2.name}에서 ${h1.name}(으)로 옮겨짐`);
  expect(await goneSeen(page)).toBe(false);
  await page.screenshot({ path: `${SHOTS}/fc-identity-after-ko.png` });
  await checkScreen(page, { lang: 'ko', watch, allowWords: [NAME] });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
