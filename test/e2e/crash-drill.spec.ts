import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { virsh, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

/**
 * Issue 13 item 7, the drill: `hangar serve` is killed (SIGKILL) in the middle of a full-copy VM
 * create. After a restart on the same data dir the open tab comes back by itself (same port, same
 * token), the task says Interrupted and names the volume it left, and Clean up deletes that volume
 * on the host — and nothing else.
 */
const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const tag = crypto.randomBytes(3).toString('hex');
const base = `h2b-big-${tag}.raw`;
const vm = `h2b-crash-${tag}`;
const leftover = `${vm}-disk0.qcow2`;
const decoy = `h2b-keep-${tag}.qcow2`;
/** Big enough that libvirt's copy is still running when the engine is killed. */
const BASE_BYTES = 1536 * 1024 * 1024;
const SHOTS = '/work/notes/screens';

let lab: LabInfo;
let h1: LabHost;
let serve: Serve | null = null;
let dataDir: string;

const volumes = async (pool: string) =>
  (await virsh(h1, ['vol-list', '--pool', pool]))
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n): n is string => !!n);

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `h2b-server-${name}.png`), fullPage: true });
}

test.beforeAll(async () => {
  lab = labOf();
  h1 = lab.hosts[0]!;
  // A biggish base image of real (non-zero) data: a full copy of it takes libvirt a while.
  const fd = fs.openSync(path.join(lab.sharedPoolPath, base), 'w');
  const chunk = Buffer.alloc(16 * 1024 * 1024, 'h');
  for (let done = 0; done < BASE_BYTES; done += chunk.length) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  await virsh(h1, ['pool-refresh', 'shared']);
  // Something of ours the clean-up must not touch.
  await virsh(h1, ['vol-create-as', 'default', decoy, '1M', '--format', 'qcow2']);
  dataDir = await tempDataDir();
});

test.afterAll(async () => {
  await serve?.stop();
  if (!h1) return;
  for (const cmd of [
    ['destroy', vm],
    ['undefine', vm],
    ['vol-delete', '--pool', 'default', leftover],
    ['vol-delete', '--pool', 'default', decoy],
  ]) {
    await virsh(h1, cmd).catch(() => undefined);
  }
  fs.rmSync(path.join(lab.sharedPoolPath, base), { force: true });
  await virsh(h1, ['pool-refresh', 'shared']).catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a kill -9 mid-create leaves a volume that the restarted server lists, and Clean up removes only it', async ({ page }) => {
  const csp: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) csp.push(m.text());
  });
  const home = await tempDataDir();
  serve = await startServe(dataDir, [], { HOME: home });
  const firstUrl = serve.url;
  await page.goto(serve.url);
  await addLabHost(page, lab, h1);

  // A full-copy create from the big base image, as a user fills the form.
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-name').fill(vm);
  await page.getByTestId('vm-create-host').selectOption({ label: h1.name });
  await page.getByTestId('vm-create-memory').fill('256');
  if (lab.accel === 'tcg') await page.getByTestId('vm-create-accel').selectOption('tcg');
  await page.getByTestId('vm-create-source').selectOption('clone-copy');
  await page.getByTestId('vm-create-source-pool').selectOption('shared');
  await page.getByTestId('vm-create-source-volume').selectOption(base);
  await page.getByTestId('vm-create-disk-size').fill('2');
  await page.getByTestId('vm-create-network').selectOption('');
  await page.getByTestId('vm-create-submit').click();

  // The moment libvirt has the new volume (its copy under way), the server dies.
  await until('the copy to start on the host', async () => ((await volumes('default')).includes(leftover) ? true : undefined), 60_000);
  await page.evaluate(() => ((window as unknown as { h2bNoReload: boolean }).h2bNoReload = true));
  await serve.kill();
  const status = page.getByTestId('connection-status');
  await expect(status).toHaveAttribute('data-status', 'reconnecting');

  // Restarted on the same data dir: same port and token, and the open tab reconnects by itself.
  serve = await startServe(dataDir, [], { HOME: home });
  expect(serve.url).toBe(firstUrl);
  await expect(status).toHaveAttribute('data-status', 'connected', { timeout: 15_000 });
  expect(await page.evaluate(() => (window as unknown as { h2bNoReload?: boolean }).h2bNoReload)).toBe(true);

  // The task is Interrupted (no live Cancel) and names what it left.
  await page.getByTestId('nav-tasks').click();
  const jobId = await page.locator('[data-testid="job-row"]', { hasText: vm }).getAttribute('data-job-id');
  const row = page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
  await expect(row).toHaveAttribute('data-state', 'interrupted');
  await expect(row.getByTestId('job-state')).toHaveText('Interrupted');
  await expect(row.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(row.getByTestId('job-leftover')).toHaveAttribute('data-name', leftover);
  await expect(row.getByTestId('job-leftovers')).toContainText(`Volume ${leftover} in pool default on ${h1.name}`);
  await row.getByTestId('job-open').click();
  const detail = page.getByTestId('task-detail');
  await expect(detail.getByTestId('task-detail-state')).toHaveText('Interrupted');
  await expect(detail.locator(`[data-testid="task-artifact"][data-name="${leftover}"]`)).toContainText('Asked for, not confirmed');
  await shot(page, 'interrupted-en');

  // Not silent: an alert says so too.
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.locator('[data-testid="alert-row"][data-check="TaskLeftovers"]')).toContainText(leftover, { timeout: 45_000 });

  // The same in Korean.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await page.getByTestId('nav-tasks').click();
  await expect(row.getByTestId('job-state')).toHaveText('중단됨');
  await expect(row.getByTestId('job-leftovers')).toContainText(`${h1.name}의 풀 default에 있는 볼륨 ${leftover}`);
  await expect(page.locator('body')).not.toContainText(/\{\w+\}/);
  await shot(page, 'interrupted-ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
  await page.getByTestId('nav-tasks').click();

  // Clean up, as a task of its own; the leftover disappears from the task and from the host.
  await row.getByTestId('job-cleanup').click();
  const cleanupRow = page.locator('[data-testid="job-row"]', { hasText: `Clean up ${leftover}` });
  await expect(cleanupRow).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(row.getByTestId('job-leftovers')).toHaveCount(0);
  await expect(row).toHaveAttribute('data-state', 'interrupted');
  await row.getByTestId('job-open').click();
  await expect(detail.locator(`[data-testid="task-artifact"][data-name="${leftover}"]`)).toContainText('Removed');
  await shot(page, 'cleaned-en');
  const after = await volumes('default');
  expect(after).not.toContain(leftover);
  // Nothing else was touched: our decoy volume and the base image are still there, and no VM was defined.
  expect(after).toContain(decoy);
  expect(await volumes('shared')).toContain(base);
  expect((await virsh(h1, ['list', '--all', '--name'])).split('\n').map((l) => l.trim())).not.toContain(vm);
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.locator('[data-testid="alert-row"][data-check="TaskLeftovers"]')).toHaveCount(0, { timeout: 30_000 });
  expect(csp).toEqual([]);
  fs.rmSync(home, { recursive: true, force: true });
});
