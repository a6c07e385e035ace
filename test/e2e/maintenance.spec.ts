import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { defineDomain, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import type { Serve } from './serve-fixture';

/**
 * Issue 15, host maintenance as a person does it: Hosts → host → Maintenance shows the plan VM by
 * VM, Enter empties the host (a running guest migrates, a stopped one moves), the host is badged
 * In maintenance in the list, the Korean page reads in Korean, and Leave moves nothing back.
 * Only this spec's guests (maint-e2e-*) are moved: the host emptied holds nobody else's guest.
 */
const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SHOTS = '/work/notes/screens';
const tag = crypto.randomBytes(2).toString('hex');
const RUN = `maint-e2e-run-${tag}`;
const OFF = `maint-e2e-off-${tag}`;
let serve: Serve;
let lab: LabInfo;
let source: LabHost;
let page: Page;
let watch: PageWatch;
const shot = async (name: string) => {
  if (!fs.existsSync(path.dirname(SHOTS))) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.getByTestId('host-maintenance').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, `maint-${name}.png`) });
};
const domainsOn = async (h: LabHost) => (await virsh(h, ['list', '--all', '--name'])).split('\n').map((s) => s.trim()).filter(Boolean);

test.beforeAll(async ({ browser }) => {
  test.setTimeout(400_000);
  lab = labOf();
  const candidates = lab.hosts.length >= 3 ? [lab.hosts[2]!, lab.hosts[0]!] : [...lab.hosts];
  source = await waitFor(
    'a lab host without other engineers\' guests',
    async () => {
      for (const h of candidates) if ((await domainsOn(h)).every((n) => n.startsWith('maint-'))) return h;
      return undefined;
    },
    300_000,
    5_000,
  );
  await defineDomain(source, testGuestXml({ name: RUN, memoryMiB: 128, network: null, lab }));
  await defineDomain(source, testGuestXml({ name: OFF, memoryMiB: 128, network: null, lab }));
  await virsh(source, ['start', RUN]);
  ({ serve, page } = await serveAndOpen(browser));
  watch = await watchPage(page);
  for (const h of lab.hosts) await addLabHost(page, lab, h);
});
test.afterAll(async () => {
  await serve?.stop();
  for (const h of lab.hosts) await sshRun(h, [RUN, OFF].map((n) => `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1;`).join(' ') + ' true').catch(() => undefined);
});

async function openSource() {
  await page.getByTestId('nav-hosts').click();
  await page.locator(`[data-testid="host-row"][data-host-name="${source.name}"] a[href^="#/hosts/"]`).first().click();
  await expect(page.getByTestId('host-maintenance')).toBeVisible();
}

test('a maintenance from the host page: the plan first, then Enter empties the host', async () => {
  test.setTimeout(400_000);
  await openSource();
  const steps = page.getByTestId('maintenance-step');
  // Another engineer's guest may pass through the host: the plan follows it; wait until only ours are left.
  await expect(steps).toHaveCount(2, { timeout: 300_000 });
  const run = page.locator(`[data-testid="maintenance-step"][data-vm="${RUN}"]`);
  const off = page.locator(`[data-testid="maintenance-step"][data-vm="${OFF}"]`);
  await expect(run).toHaveAttribute('data-action', 'migrate');
  await expect(run.getByTestId('maintenance-action')).toHaveValue('migrate');
  await expect(off).toContainText('Move the stopped VM');
  for (const s of [run, off]) {
    await expect(s).toHaveAttribute('data-blocked', 'no');
    await expect(s.getByTestId('maintenance-target')).toHaveText(new RegExp(lab.hosts.filter((h) => h !== source).map((h) => h.name).join('|')));
  }
  // The per-VM choice: shut it down instead, then back to a live migration.
  await run.getByTestId('maintenance-action').selectOption('shutdown');
  await expect(run).toHaveAttribute('data-action', 'shutdown');
  await run.getByTestId('maintenance-action').selectOption('migrate');
  await expect(run).toHaveAttribute('data-action', 'migrate');
  await checkScreen(page, { watch });
  await shot('plan-en');

  await page.getByTestId('maintenance-enter').click();
  await expect(page.getByTestId('host-maintenance')).toHaveAttribute('data-state', /preparing|ready/);
  // While it runs (when it is not over already): the progress and each VM's outcome so far.
  if ((await page.getByTestId('host-maintenance').getAttribute('data-state')) === 'preparing') {
    await expect(page.getByTestId('host-maintenance-badge').first()).toHaveText(/Entering maintenance|In maintenance/);
    await shot('progress-en');
  }
  await expect(page.getByTestId('host-maintenance')).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });
  await expect(page.getByTestId('host-maintenance-badge').first()).toHaveText('In maintenance');
  for (const s of [run, off]) await expect(s).toHaveAttribute('data-state', 'done');
  await expect(run.getByTestId('maintenance-outcome')).toHaveText('Done');
  const target = (await run.getByTestId('maintenance-target').textContent())?.trim() ?? '';
  await checkScreen(page, { watch });
  await shot('ready-en');
  expect((await domainsOn(source)).filter((n) => n === RUN || n === OFF)).toEqual([]);

  await page.getByTestId('nav-hosts').click();
  await expect(page.locator(`[data-testid="host-row"][data-host-name="${source.name}"] [data-testid="host-maintenance-badge"]`)).toHaveText('In maintenance');
  await checkScreen(page, { watch });
  if (fs.existsSync(path.dirname(SHOTS))) await page.screenshot({ path: path.join(SHOTS, 'maint-list-en.png') });

  // A host that still has VMs is not removed (the one that took the running guest): the way out is maintenance.
  page.once('dialog', (d) => void d.accept());
  await page.locator(`[data-testid="host-row"][data-host-name="${target}"]`).getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('.banner.error')).toContainText(`${target} still has VMs (`, { timeout: 30_000 });
  await expect(page.locator('.banner.error')).toContainText('Put it in maintenance to move them away, then remove it.');
  await expect(page.locator(`[data-testid="host-row"][data-host-name="${target}"]`)).toBeVisible();
  await checkScreen(page, { watch });
  if (fs.existsSync(path.dirname(SHOTS))) await page.screenshot({ path: path.join(SHOTS, 'maint-remove-refused-en.png') });
});

test('the Korean page reads in Korean, and Leave moves nothing back', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await openSource();
  await expect(page.getByTestId('host-maintenance-badge').first()).toHaveText('유지 관리 중');
  await expect(page.getByTestId('host-maintenance')).toContainText('VM별 비우기 결과');
  await expect(page.locator(`[data-testid="maintenance-step"][data-vm="${RUN}"] [data-testid="maintenance-outcome"]`)).toHaveText('완료');
  // Guest names in the host's history are data: other engineers' guests pass through the lab hosts.
  const allowWords = [RUN, OFF, ...lab.hosts.map((h) => h.name), /^maint-/, /^[a-z0-9]+(-[a-z0-9]+)+$/, 'default', 'shared'];
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('ready-ko');

  await page.getByTestId('maintenance-leave').click();
  await expect(page.getByTestId('host-maintenance')).toHaveAttribute('data-state', 'none', { timeout: 30_000 });
  await expect(page.getByTestId('maintenance-empty')).toHaveText('이 호스트에는 VM이 없습니다. 바로 유지 관리에 들어갈 수 있습니다.');
  await checkScreen(page, { lang: 'ko', watch, allowWords });
  await shot('left-ko');
  expect((await domainsOn(source)).filter((n) => n === RUN || n === OFF)).toEqual([]);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
