/**
 * Issue 17 (branch upload) in Chromium against `hangar serve` and a lab host: the lab's base.qcow2
 * is uploaded from the host page's Storage → Volumes panel with a real file input (setInputFiles);
 * the progress bar, sampled while it runs, only goes forward; the volume is then listed and the
 * host's sha256sum equals the file's. The page's upload is throttled (CDP) so that a person, and the
 * screenshots, see it in progress. Then the same in Korean. Screens go to /work/notes/screens.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sshRun, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();
const tag = crypto.randomBytes(3).toString('hex');
const P = `upload-e2e-${tag}`;
const SHOTS = '/work/notes/screens';

let serve: Serve;
let lab: LabInfo;
let h: LabHost;
let page: Page;
let watch: PageWatch;

const shot = async (name: string) => {
  if (!fs.existsSync(SHOTS)) return;
  // The host page above the Storage tab can be long (other sessions' VMs in the maintenance plan).
  await page.getByTestId('upload-control').evaluate((e) => e.scrollIntoView({ block: 'center' })).catch(() => undefined);
  await page.screenshot({ path: path.join(SHOTS, `upload-${name}.png`) });
};

test.describe.configure({ mode: 'serial', timeout: 300_000 });

test.beforeAll(async ({ browser }) => {
  lab = labOf();
  h = (lab.hosts[1] ?? lab.hosts[0]) as LabHost;
  serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
  page = await browser.newPage();
  watch = await watchPage(page);
  await page.goto(serve.url);
  await addLabHost(page, lab, h);
  // ~2 MiB/s up: base.qcow2 (22 MiB) takes about ten seconds, long enough to watch.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });
});

test.afterAll(async () => {
  await page?.close();
  await serve?.stop();
  await sshRun(h, `for v in $(virsh vol-list default | awk '{print $1}' | grep '^${P}'); do virsh vol-delete --pool default "$v" >/dev/null 2>&1; done; true`).catch(() => undefined);
});

async function openVolumes() {
  await page.getByTestId('nav-hosts').click();
  await page.locator(`[data-testid="host-row"][data-host-name="${h.name}"] a[href^="#/hosts/"]`).first().click();
  await expect(page.getByTestId('host-storage-networks')).toBeVisible();
  await page.locator('[data-testid="pool-row"][data-pool="default"]').getByTestId('pool-volumes').click();
  await expect(page.getByTestId('volumes-panel')).toBeVisible();
}

/** Uploads base.qcow2 under `name`, sampling the bar every 50 ms; screenshots mid-way and done. */
async function upload(name: string, lang: 'en' | 'ko'): Promise<number[]> {
  await page.getByTestId('volume-upload-open').click();
  const control = page.getByTestId('upload-control');
  await control.getByTestId('upload-file').setInputFiles(lab.guest.baseImage);
  await expect(control.getByTestId('upload-format')).toHaveValue('qcow2');
  await control.getByTestId('upload-name').fill(name);
  await control.getByTestId('upload-start').click();
  const figures = control.getByTestId('upload-figures');
  // The engine refreshes the pool (its free space) and makes the volume first: slow on a busy machine.
  await expect(figures).toBeVisible({ timeout: 60_000 });
  const samples: number[] = [];
  let shotTaken = false;
  for (let i = 0; i < 1200; i++) {
    const [done, state, pct] = await Promise.all([
      figures.getAttribute('data-done'),
      control.getAttribute('data-state'),
      control.getByRole('progressbar').getAttribute('aria-valuenow').catch(() => null),
    ]);
    samples.push(Number(pct ?? 0));
    if (!shotTaken && Number(done) > 0 && Number(done) < fs.statSync(lab.guest.baseImage).size && state === 'running') {
      await checkScreen(page, { lang, watch, allowWords: [name, h.name, 'default', 'SHA-256', 'iso'] });
      await shot(`progress-${lang}`);
      shotTaken = true;
    }
    if (state === 'succeeded' || state === 'failed' || state === 'cancelled') break;
    await page.waitForTimeout(50);
  }
  await expect(control.getByTestId('upload-done')).toBeVisible({ timeout: 60_000 });
  await expect(control.getByTestId('upload-done')).toContainText(name);
  const row = page.locator(`[data-testid="volume-row"][data-volume="${name}"]`);
  await expect(row).toBeVisible({ timeout: 20_000 }).catch(async () => {
    // The list is read again once the upload is done; on a busy machine that read can fail (a
    // libvirt keepalive lost): open the panel again, as a person would.
    await page.getByTestId('volumes-panel').getByRole('button', { name: lang === 'ko' ? '닫기' : 'Close', exact: true }).first().click();
    await page.locator('[data-testid="pool-row"][data-pool="default"]').getByTestId('pool-volumes').click();
    await expect(row).toBeVisible({ timeout: 60_000 });
  });
  await checkScreen(page, { lang, watch, allowWords: [name, h.name, 'default', 'SHA-256', 'iso'], allowConsole: [/keepalive|did not answer/] });
  await shot(`done-${lang}`);
  expect(shotTaken, 'the upload was seen in progress').toBe(true);
  return samples;
}

test('uploads base.qcow2 from the Volumes panel; the bar only goes forward; the host has the same SHA-256', async () => {
  await openVolumes();
  const name = `${P}-base.qcow2`;
  const samples = await upload(name, 'en');
  for (let i = 1; i < samples.length; i++) expect(samples[i]!, `sample ${i} of ${samples.join(',')}`).toBeGreaterThanOrEqual(samples[i - 1]!);
  expect(new Set(samples).size, `distinct values seen: ${[...new Set(samples)].join(',')}`).toBeGreaterThanOrEqual(3);
  const sum = crypto.createHash('sha256').update(fs.readFileSync(lab.guest.baseImage)).digest('hex');
  await expect(page.getByTestId('upload-done')).toContainText(sum);
  expect((await sshRun(h, `sha256sum /var/lib/libvirt/images/${name}`)).split(/\s+/)[0]).toBe(sum);
  await page.getByTestId('upload-close').click();
});

test('the same in Korean', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await openVolumes();
  await upload(`${P}-ko.qcow2`, 'ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
