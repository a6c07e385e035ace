import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { defineDomain, shellQuote, sshRun, testGuestXml, virsh, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import type { Serve } from './serve-fixture';

/**
 * Issue 16, clone, as a person sees it: the Clone dialog from the VM page makes a full clone whose
 * progress shows in the dialog and in Tasks; from the VM list, in Korean, a linked clone of a
 * VM's own disk is refused with the reason in Korean. Screenshots of the dialog in both languages.
 */
const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SHOTS = '/work/notes/screens';
const tag = crypto.randomBytes(2).toString('hex');
const SRC = `clone-e2e-${tag}`;
const COPY = `clone-e2e-copy-${tag}`;
let serve: Serve;
let lab: LabInfo;
let h: LabHost;
let page: Page;
let watch: PageWatch;
const shot = async (name: string) => {
  if (fs.existsSync(path.dirname(SHOTS))) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `clone-${name}.png`), fullPage: true });
  }
};

test.beforeAll(async ({ browser }) => {
  lab = labOf();
  h = lab.hosts[1] ?? lab.hosts[0]!;
  const pool = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
  await sshRun(h, `qemu-img create -q -f qcow2 ${shellQuote(`${pool}/${SRC}.qcow2`)} 256M && virsh pool-refresh default >/dev/null`);
  await defineDomain(h, testGuestXml({ name: SRC, disk: `${pool}/${SRC}.qcow2`, network: null, lab }));
  ({ serve, page } = await serveAndOpen(browser));
  watch = await watchPage(page);
  await addLabHost(page, lab, h);
});
test.afterAll(async () => {
  await serve?.stop();
  await sshRun(h, [SRC, COPY].map((n) => `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n}.qcow2 >/dev/null 2>&1; virsh vol-delete --pool default ${n}-disk0.qcow2 >/dev/null 2>&1`).join('; ') + '; true').catch(() => undefined);
});

test('a full clone from the VM page, with its progress in Tasks (English)', async () => {
  const row = await findVm(page, SRC);
  await row.locator('a[href^="#/vms/"]').click();
  await page.getByTestId('vm-action-clone').click();
  const form = page.getByTestId('clone-form');
  await expect(form).toContainText(`Clone ${SRC}`);
  await expect(page.getByTestId('clone-name')).toHaveValue(`${SRC}-clone`);
  await expect(form).toContainText('The clone gets a new UUID, new MAC addresses, a new cloud-init seed');
  await checkScreen(page, { watch });
  await shot('dialog-en');
  await page.getByTestId('clone-name').fill(COPY);
  await page.getByTestId('clone-host').selectOption({ label: h.name });
  await page.getByTestId('clone-submit').click();
  const progress = page.getByTestId('clone-progress');
  await expect(progress).toContainText(`Cloning ${SRC} as ${COPY}: follow it in Tasks.`);
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await page.getByTestId('clone-tasks').click();
  const job = page.locator('[data-testid="job-row"]', { hasText: `Full clone of ${SRC} as ${COPY} on ${h.name}` });
  await expect(job).toHaveAttribute('data-state', 'succeeded');
  await checkScreen(page, { watch });
  // The clone is a VM of its own, with its own UUID.
  await expect(await findVm(page, COPY)).toBeVisible({ timeout: 30_000 });
  expect((await virsh(h, ['domuuid', COPY])).trim()).not.toBe((await virsh(h, ['domuuid', SRC])).trim());
});

test('from the VM list in Korean: the dialog, and a linked clone of a live disk refused with the reason', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  const row = await findVm(page, SRC);
  await row.locator('input[type="checkbox"]').check();
  await page.getByTestId('vm-bulk-clone').click();
  const form = page.getByTestId('clone-form');
  await expect(form).toContainText(`${SRC} 복제`);
  await expect(page.getByTestId('clone-submit')).toHaveText('복제');
  const allowWords = [SRC, 'vda', `${SRC}-clone`, COPY, h.name, 'NVRAM', 'instance-id', /^clone-e2e/];
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('dialog-ko');
  await page.getByTestId('clone-name').fill(`clone-e2e-no-${tag}`);
  await page.getByTestId('clone-mode').selectOption('linked');
  await expect(page.getByTestId('clone-mode-help')).toContainText('스냅샷 위에 얇은 오버레이');
  await page.getByTestId('clone-submit').click();
  await expect(page.getByTestId('clone-error')).toContainText(`vda는 ${SRC}이(가) 시작하면 쓰는 디스크입니다`);
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('refusal-ko');
  expect(await virsh(h, ['list', '--all', '--name'])).not.toContain(`clone-e2e-no-${tag}`);
  await page.getByTestId('clone-close').click();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
  watch.expectClean();
});
