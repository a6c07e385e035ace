/**
 * Issue 18 (branch poolapi) in Chromium against `hangar serve` and a lab host: a pool is created
 * on the Pools page (base image on the host, small VMs), a VM is leased from it, and the lease
 * shows on the page with its address and its expiry counting down; the same page in Korean; the
 * lease released from the page is gone per virsh. Screenshots go to /work/notes/screens.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shellQuote, sshRun, virsh, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();
const tag = crypto.randomBytes(3).toString('hex');
const OS = `pe2e-${tag}`;
const BASE = `poolapi-e2e-${tag}.qcow2`;
const LEASE = `poolapi-e2e-${tag}`;
const SHOTS = '/work/notes/screens';
const POOLS_PORT = 20_000 + crypto.randomInt(20_000);

let serve: Serve;
let lab: LabInfo;
let h: LabHost;
let page: Page;
let watch: PageWatch;

const shot = async (name: string) => {
  if (!fs.existsSync(SHOTS)) return;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(SHOTS, `poolapi-${name}.png`) });
};

async function setLanguage(lang: 'en' | 'ko') {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption(lang);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

const seconds = (text: string) => text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  lab = labOf();
  h = lab.hosts[0] as LabHost;
  const poolDir = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
  await sshRun(h, `cp ${shellQuote(lab.guest.baseImage)} ${shellQuote(`${poolDir}/${BASE}`)} && virsh pool-refresh default >/dev/null`);
  serve = await startServe(await tempDataDir(), ['--pools-listen', `127.0.0.1:${POOLS_PORT}`], { HOME: await tempDataDir() });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch = await watchPage(page);
  await page.goto(serve.url);
  await addLabHost(page, lab, h);
});

test.afterAll(async () => {
  await page?.close();
  await serve?.stop();
  await sshRun(h, `for d in $(virsh list --all --name | grep ${shellQuote(LEASE)}); do virsh destroy "$d" >/dev/null 2>&1; virsh undefine --remove-all-storage "$d" >/dev/null 2>&1; done; virsh vol-delete --pool default ${shellQuote(BASE)} >/dev/null 2>&1; true`).catch(() => undefined);
});

test('creates a pool, leases a VM, and shows it with its expiry counting down (en, ko)', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('nav-pools').click();
  await expect(page.getByTestId('pools-page')).toBeVisible();
  await page.getByTestId('pool-new').click();
  await page.getByTestId('pool-form-os').fill(OS);
  await page.getByTestId('pool-form-memoryMiB').fill('256');
  await page.getByTestId('pool-form-networkTimeoutSecs').fill('180');
  await page.getByTestId('pool-form-retries').fill('0');
  await page.getByTestId(`pool-base-${h.name}-pool`).selectOption('default');
  await page.getByTestId(`pool-base-${h.name}-volume`).fill(BASE);
  await page.getByTestId('pool-form-submit').click();
  const row = page.getByTestId(`pool-row-${OS}`);
  // The engine checks the base image on the host first (slow on a loaded lab).
  await expect(row).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId(`pool-capacity-${OS}`)).toContainText(/\d+ available/, { timeout: 30_000 });

  await row.getByTestId(`pool-lease-${OS}`).click();
  await page.getByTestId('lease-form-name').fill(LEASE);
  await page.getByTestId('lease-form-minutes').fill('30');
  await page.getByTestId('lease-form-submit').click();
  const lease = page.getByTestId(`lease-row-${LEASE}`);
  await expect(lease).toBeVisible({ timeout: 30_000 });
  await expect(lease).toContainText('Ready', { timeout: 240_000 });
  await expect(lease).toContainText(/192\.168\.122\.\d+/);
  const expiry = page.getByTestId(`lease-expiry-${LEASE}`);
  const first = seconds((await expiry.textContent()) ?? '');
  expect(first).toBeGreaterThan(25 * 60);
  expect(first).toBeLessThanOrEqual(30 * 60);
  await expect.poll(async () => seconds((await expiry.textContent()) ?? ''), { timeout: 10_000 }).toBeLessThan(first);
  expect((await virsh(h, ['list', '--name'])).split('\n').some((n) => n.startsWith(LEASE))).toBe(true);
  await checkScreen(page, { lang: 'en', watch });
  await shot('pools-en');

  await setLanguage('ko');
  await page.getByTestId('nav-pools').click();
  await expect(page.getByRole('heading', { name: '풀', exact: true })).toBeVisible();
  await expect(lease).toContainText('준비됨');
  const before = seconds((await expiry.textContent()) ?? '');
  await expect.poll(async () => seconds((await expiry.textContent()) ?? ''), { timeout: 10_000 }).toBeLessThan(before);
  await checkScreen(page, { lang: 'ko', watch, allowWords: [OS, LEASE, ...OS.split('-'), ...LEASE.split('-'), 'default'] });
  await shot('pools-ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('api-token-user').fill('jenkins');
  await page.getByTestId('api-token-create').click();
  await expect(page.getByTestId('api-token-secret')).toContainText('hgr_');
  // The token made here opens the pools REST API of `hangar serve --pools-listen`, as curl would use it.
  const secret = ((await page.getByTestId('api-token-secret').locator('code.secret-once').textContent()) ?? '').trim();
  const ask = (auth: string | null) => fetch(`http://127.0.0.1:${POOLS_PORT}/getavailablecount/${OS}`, { headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} });
  const answer = await ask(`jenkins:${secret}`);
  expect(answer.status).toBe(200);
  expect(await answer.text()).toMatch(/^\d+$/);
  expect((await ask(null)).status).toBe(401);
  await checkScreen(page, { lang: 'ko', watch, allowWords: ['jenkins', 'TOKEN', 'HOST', 'PORT'] });
  await page.getByTestId('api-tokens').scrollIntoViewIfNeeded();
  await shot('tokens-ko');
  await setLanguage('en');
  await page.getByTestId('api-tokens').scrollIntoViewIfNeeded();
  await shot('tokens-en');

  await page.getByTestId('nav-pools').click();
  await page.getByTestId(`lease-release-${LEASE}`).click();
  await expect(lease).toHaveCount(0, { timeout: 120_000 });
  await expect.poll(async () => (await virsh(h, ['list', '--all', '--name'])).split('\n').filter((n) => n.startsWith(LEASE)), { timeout: 60_000 }).toEqual([]);
});
