/**
 * Issue 17, the library, in Chromium against `hangar serve` and a lab host: upload the lab's
 * base.qcow2 from the Templates & ISOs page (Uploading → Ready), create a VM from that template in
 * the create form (it shows where the template is Ready), register that stopped VM as a second
 * template, create a VM from it that starts and reaches Running (the test guest boots from its
 * disk); the page and the form in English and Korean; the Register dialog offers that running VM's
 * external snapshot, not its disk. Screenshots go to /work/notes/screens.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { labTimeouts, sshRun, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();
const tag = crypto.randomBytes(3).toString('hex');
const UP = `lib-e2e-up-${tag}`;
const REG = `lib-e2e-reg-${tag}`;
const VM_A = `lib-e2e-a-${tag}`;
const VM_B = `lib-e2e-b-${tag}`;
const SHOTS = '/work/notes/screens';

let serve: Serve;
let lab: LabInfo;
let h: LabHost;
let page: Page;
let watch: PageWatch;

const shot = async (name: string) => {
  if (!fs.existsSync(SHOTS)) return;
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, `library-${name}.png`) });
};
const row = (name: string) => page.locator(`[data-testid="library-item"][data-name="${name}"]`);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  lab = labOf();
  h = lab.hosts[0] as LabHost;
  serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch = await watchPage(page);
  await page.goto(serve.url);
  await addLabHost(page, lab, h);
});

test.afterAll(async () => {
  await page?.close();
  await serve?.stop();
  await sshRun(
    h,
    [
      ...[VM_A, VM_B].map((d) => `virsh destroy ${d} >/dev/null 2>&1; virsh undefine --nvram --snapshots-metadata ${d} >/dev/null 2>&1; virsh vol-delete --pool default ${d}-disk0.qcow2 >/dev/null 2>&1`),
      'virsh pool-refresh default >/dev/null 2>&1',
      `for v in $(virsh vol-list default | awk '{print $1}' | grep -- '-${tag.slice(0, 6)}\\|lib-e2e-'); do virsh vol-delete --pool default $v >/dev/null 2>&1; done`,
      'true',
    ].join('; '),
  ).catch(() => undefined);
});

async function createFromTemplate(name: string, template: string, start: boolean) {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-name').fill(name);
  await page.getByTestId('vm-create-source').selectOption('library');
  const option = page.getByTestId('vm-create-template').locator('option', { hasText: template });
  await expect(option).toContainText(`Ready on ${h.name}`);
  await page.getByTestId('vm-create-template').selectOption({ label: (await option.textContent())!.trim() });
  await page.getByTestId('vm-create-host').selectOption({ label: h.name });
  await expect(page.getByTestId('vm-create-template-hosts')).toHaveText(`Ready on ${h.name}`);
  await page.getByTestId('vm-create-memory').fill('256');
  if (start) await page.getByTestId('vm-create-start').check();
  await page.getByTestId('vm-create-submit').click();
  await expect(page.getByTestId('vm-create-result')).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await page.getByTestId('vm-create-dismiss').click();
}

test('uploads base.qcow2 into the library: Uploading, then Ready', async () => {
  await page.getByTestId('nav-templates').click();
  await expect(page.getByTestId('templates-page')).toContainText('No templates or ISOs yet.');
  await page.getByTestId('library-upload-open').click();
  await page.getByTestId('library-form-name').fill(UP);
  await page.getByTestId('library-form-os').selectOption('linux');
  await page.getByTestId('library-form-memory').fill('256');
  // upload's control: the file, its format sniffed (qcow2), then Start.
  await page.getByTestId('upload-file').setInputFiles(lab.guest.baseImage);
  await expect(page.getByTestId('upload-format')).toHaveValue('qcow2');
  await page.getByTestId('upload-start').click();
  await expect(row(UP)).toBeVisible();
  await expect(page.getByTestId('upload-done')).toBeVisible({ timeout: 120_000 });
  await shot('upload-en');
  await expect(row(UP).getByTestId('library-copy-state')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(row(UP).getByTestId('library-copy-state')).toContainText(`${h.name} Ready`);
  await checkScreen(page, { watch });
});

test('creates a VM from the uploaded template, registers it as a template, and a VM made from that boots', async () => {
  // Two creates, a register and a boot under TCG on a shared, loaded machine.
  test.setTimeout(180_000 + labTimeouts(lab).bootMs * 3);
  await createFromTemplate(VM_A, UP, false);
  await page.getByTestId('nav-templates').click();
  await page.getByTestId('library-register-open').click();
  await page.getByTestId('library-form-vm').selectOption({ label: `${VM_A} (${h.name})` });
  await page.getByTestId('library-form-name').fill(REG);
  await page.getByTestId('library-form-os').selectOption('debian12');
  await page.getByTestId('library-form-memory').fill('256');
  await page.getByTestId('library-form-description').fill('Made from the uploaded lab guest');
  await page.getByTestId('library-register-submit').click();
  await expect(row(REG).getByTestId('library-copy-state')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await checkScreen(page, { watch });
  await shot('page-en');

  await createFromTemplate(VM_B, REG, true);
  // The lab's hosts carry other people's domains: find this one by name.
  await page.getByTestId('vm-search').fill(VM_B);
  const vmRow = page.locator(`[data-testid="vm-row"][data-vm-name="${VM_B}"]`);
  await expect(vmRow).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  // The guest really boots from the template's disk: its guest agent answers from inside it.
  await expect
    .poll(async () => sshRun(h, `virsh qemu-agent-command ${VM_B} '{"execute":"guest-ping"}' 2>&1 || true`), { timeout: labTimeouts(lab).bootMs * 3, intervals: [2000] })
    .toContain('"return"');
  await expect(vmRow.getByTestId('vm-state')).toHaveText('Running');
});

test('the page and the create form in Korean; the create form in English', async () => {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-source').selectOption('library');
  await page.getByTestId('vm-create-template').selectOption({ index: 1 });
  await page.getByTestId('vm-create-host').selectOption({ label: h.name });
  await checkScreen(page, { watch });
  await page.getByTestId('create-vm-form').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await shot('create-en');

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  const allowWords = [h.name, UP, REG, VM_A, VM_B, 'qcow2', 'Debian', 'Generic', 'Linux', 'default', 'vCPU', 'MiB', 'GiB', 'ISO'];
  await page.getByTestId('nav-templates').click();
  await expect(page.getByTestId('templates-page').locator('h1')).toHaveText('템플릿 및 ISO');
  await expect(row(REG).getByTestId('library-copy-state')).toContainText('준비됨');
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('page-ko');
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-source').selectOption('library');
  await page.getByTestId('vm-create-template').selectOption({ index: 1 });
  await page.getByTestId('vm-create-host').selectOption({ label: h.name });
  await expect(page.getByTestId('vm-create-template-hosts')).toContainText('준비됨');
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await page.getByTestId('create-vm-form').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await shot('create-ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});

test('the Register dialog offers a running VM\'s external snapshot, not its disk (en, ko)', async () => {
  const SNAP = `ext-${tag}`;
  await sshRun(h, `virsh snapshot-create-as ${VM_B} ${SNAP} --disk-only --atomic >/dev/null`);
  await page.getByTestId('nav-templates').click();
  await page.getByTestId('library-register-open').click();
  await page.getByTestId('library-form-vm').selectOption({ label: `${VM_B} (${h.name})` });
  const source = page.getByTestId('library-form-source');
  await expect(source).toHaveValue(SNAP);
  await expect(source.locator('option[value=""]')).toBeDisabled();
  await expect(source.locator(`option[value="${SNAP}"]`)).toHaveText(`Snapshot ${SNAP} (external)`);
  await expect(page.getByTestId('library-form-source-hint')).toHaveText("The VM keeps running: an external snapshot's image does not change while it runs.");
  await checkScreen(page, { watch });
  await shot('register-snapshot-en');

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await page.getByTestId('nav-templates').click();
  await page.getByTestId('library-register-open').click();
  await page.getByTestId('library-form-vm').selectOption({ label: `${VM_B} (${h.name})` });
  await expect(source.locator(`option[value="${SNAP}"]`)).toHaveText(`스냅숏 ${SNAP}(외부)`);
  await expect(page.getByTestId('library-form-source-hint')).toHaveText('VM은 계속 실행됩니다. 외부 스냅숏의 이미지는 VM이 실행되는 동안 바뀌지 않습니다.');
  await checkScreen(page, { lang: 'ko', watch, allowWords: [h.name, UP, REG, VM_A, VM_B, SNAP, 'VM', 'qcow2', 'Debian', 'Generic', 'Linux', 'default', 'vCPU', 'MiB', 'GiB', 'ISO'] });
  await shot('register-snapshot-ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
