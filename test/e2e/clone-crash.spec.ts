import { expect, test } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { defineDomain, shellQuote, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

/**
 * The clone drill: `hangar serve` is killed (SIGKILL) while a full clone copies. The copy on the
 * host dies with the SSH session; after a restart on the same data dir the task says Interrupted
 * and names the volume it journalled, and Clean up deletes it, and nothing else.
 */
const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const tag = crypto.randomBytes(3).toString('hex');
const SRC = `clone-crash-${tag}`;
const CLONE = `clone-crashed-${tag}`;
const leftover = `${CLONE}-disk0.qcow2`;
let lab: LabInfo;
let h: LabHost;
let serve: Serve | null = null;
let dataDir: string;

const volumes = async () => (await virsh(h, ['vol-list', '--pool', 'default'])).split('\n').slice(2).map((l) => l.trim().split(/\s+/)[0]).filter((n): n is string => !!n);

test.beforeAll(async () => {
  lab = labOf();
  h = lab.hosts[1] ?? lab.hosts[0]!;
  const pool = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
  // 1.5 GiB of data: the copy is still running when the engine dies.
  await sshRun(h, `qemu-img create -q -f qcow2 ${shellQuote(`${pool}/${SRC}.qcow2`)} 1536M && qemu-io -f qcow2 -c 'write -P 0x33 0 1536M' ${shellQuote(`${pool}/${SRC}.qcow2`)} >/dev/null && virsh pool-refresh default >/dev/null`, { timeoutMs: 300_000 });
  await defineDomain(h, testGuestXml({ name: SRC, disk: `${pool}/${SRC}.qcow2`, network: null, lab }));
  dataDir = await tempDataDir();
});

test.afterAll(async () => {
  await serve?.stop();
  if (!h) return;
  await sshRun(h, `virsh undefine ${CLONE} >/dev/null 2>&1; virsh undefine ${SRC} >/dev/null 2>&1; virsh vol-delete --pool default ${leftover} >/dev/null 2>&1; virsh vol-delete --pool default ${SRC}.qcow2 >/dev/null 2>&1; true`).catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a kill -9 mid-copy: the copy stops, the task names the volume, Clean up removes only it', async ({ page }) => {
  const home = await tempDataDir();
  serve = await startServe(dataDir, [], { HOME: home });
  await page.goto(serve.url);
  await addLabHost(page, lab, h);
  const row = await findVm(page, SRC);
  await row.locator('input[type="checkbox"]').check();
  await page.getByTestId('vm-bulk-clone').click();
  await page.getByTestId('clone-name').fill(CLONE);
  await page.getByTestId('clone-submit').click();

  // The moment the copy runs on the host, the server dies.
  await waitFor('the copy to start', async () => (await sshRun(h, `pgrep -f ${shellQuote(`[q]emu-img convert.*${CLONE}`)} | wc -l`)).trim() !== '0', 60_000, 100);
  await serve.kill();
  // The copy dies with its SSH session: nothing goes on writing for nobody.
  await waitFor('the copy to stop', async () => (await sshRun(h, `pgrep -f ${shellQuote(`[q]emu-img convert.*${CLONE}`)} | wc -l`)).trim() === '0', 20_000, 250);

  serve = await startServe(dataDir, [], { HOME: home });
  await page.goto(serve.url);
  await page.getByTestId('nav-tasks').click();
  const job = page.locator('[data-testid="job-row"]', { hasText: `Full clone of ${SRC} as ${CLONE}` });
  await expect(job).toHaveAttribute('data-state', 'interrupted', { timeout: 30_000 });
  await expect(job.getByTestId('job-leftovers')).toContainText(`Volume ${leftover} in pool default on ${h.name}`);
  expect(await volumes()).toContain(leftover);
  await job.getByTestId('job-cleanup').click();
  await expect(page.locator('[data-testid="job-row"]', { hasText: `Clean up ${leftover}` })).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(job.getByTestId('job-leftovers')).toHaveCount(0);
  const after = await volumes();
  expect(after).not.toContain(leftover);
  expect(after).toContain(`${SRC}.qcow2`);
  expect(await virsh(h, ['list', '--all', '--name'])).not.toContain(CLONE);
  fs.rmSync(home, { recursive: true, force: true });
});
