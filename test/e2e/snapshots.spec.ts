import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { virsh, type LabHost, type LabInfo } from '../lab/lab-info';
import { bootedShell, defineSnapGuest, removeSnapGuest, snapLab, snapName } from '../integration/snapshots/snap-lab';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import { checkScreen, watchPage, type PageWatch } from './screen-checks';
import type { Serve } from './serve-fixture';

/**
 * Issue 16 (snapshots) as a person uses them: on a running VM's page, the Snapshots tab takes a
 * memory snapshot, shows the tree (current marked, one made with virsh badged), says what a revert
 * loses, reverts; then the same in Korean, and a disk-only snapshot of a guest without an agent
 * shows NoGuestAgent. Screenshots of the tab in both languages go to /work/notes/screens.
 */
const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SHOTS = '/work/notes/screens';
const VM = snapName('ui');
let serve: Serve;
let lab: LabInfo;
let host: LabHost;
let page: Page;
let watch: PageWatch;

const shot = async (name: string) => {
  if (fs.existsSync(path.dirname(SHOTS))) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `snap-${name}.png`), fullPage: true });
  }
};
/** Snapshot names this test made: data on a Korean page, like VM names. */
const NAMES = [/^(before|after)-upgrade$/, /^by-virsh$/, /^ko-(1|disk)$/];
const row = (name: string) => page.locator(`[data-testid="snap-row"][data-name="${name}"]`);

test.beforeAll(async ({ browser }) => {
  labOf();
  lab = snapLab();
  // lab1: lab3 hosts other branches' fault drills, lab2 the clone bench.
  host = lab.hosts[0]!;
  // No guest agent: a disk-only snapshot cannot be quiesced, which the tab must say.
  await defineSnapGuest(lab, host, VM, { agent: false });
  await virsh(host, ['start', VM]);
  await bootedShell(lab, host, VM);
  ({ serve, page } = await serveAndOpen(browser));
  watch = await watchPage(page);
  await addLabHost(page, lab, host);
});
const CLONES = [`${VM}-full`, `${VM}-linked`];
test.afterAll(async () => {
  await serve?.stop();
  // The clones first: the linked one sits on a file of the VM's snapshot.
  for (const c of CLONES) await virsh(host, ['undefine', c]).catch(() => undefined);
  for (const c of CLONES) await virsh(host, ['vol-delete', '--pool', 'default', `${c}-disk0.qcow2`]).catch(() => undefined);
  await removeSnapGuest(host, VM);
});

async function openSnapshots() {
  const vmRow = await findVm(page, VM);
  await expect(vmRow).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  await vmRow.getByRole('link', { name: VM }).click();
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-vm-name', VM);
  await page.getByTestId('vm-tab-snapshots').click();
  await expect(page.getByTestId('snap-count')).toBeVisible({ timeout: 30_000 });
}

async function take(name: string, opts: { memory: boolean; description?: string }) {
  await page.getByTestId('snap-name').fill(name);
  if (opts.description) await page.getByTestId('snap-description').fill(opts.description);
  const memory = page.getByTestId('snap-memory');
  if ((await memory.isChecked()) !== opts.memory) await memory.click();
  await page.getByTestId('snap-create-submit').click();
  await expect(row(name)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('snap-job')).toHaveCount(0, { timeout: 60_000 });
}

async function revert(name: string, expectLoss: RegExp) {
  await page.getByTestId(`snap-revert-${name}`).click();
  await expect(page.getByTestId('snap-revert-loss')).toContainText(expectLoss);
  await page.getByTestId('snap-confirm-ok').click();
  await expect(row(name)).toHaveAttribute('data-current', 'yes', { timeout: 60_000 });
  await expect(page.getByTestId('snap-job')).toHaveCount(0, { timeout: 60_000 });
}

test('takes a memory snapshot and reverts from the Snapshots tab, in English', async () => {
  await openSnapshots();
  await expect(page.getByTestId('snap-empty')).toBeVisible();
  await take('before-upgrade', { memory: true, description: 'clean boot' });
  await expect(row('before-upgrade').getByTestId('snap-current')).toHaveText('Current');
  await expect(row('before-upgrade')).toContainText('Included');
  // One made by hand with virsh appears, badged.
  await virsh(host, ['snapshot-create-as', VM, 'by-virsh']);
  await take('after-upgrade', { memory: true });
  await expect(row('by-virsh').getByTestId('snap-outside')).toHaveText('Made outside Hangar');
  await revert('before-upgrade', /every change made since the current snapshot after-upgrade/);
  expect((await virsh(host, ['domstate', VM])).trim()).toBe('running');
  expect((await virsh(host, ['snapshot-current', VM, '--name'])).trim()).toBe('before-upgrade');
  await checkScreen(page, { lang: 'en', watch });
  await shot('tab-en');
});

test('the same in Korean; a disk-only snapshot without a guest agent shows NoGuestAgent', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await openSnapshots();
  await expect(page.getByTestId('vm-tab-snapshots')).toHaveText('스냅숏');
  await take('ko-1', { memory: true });
  await page.getByTestId('snap-revert-after-upgrade').click();
  await expect(page.getByTestId('snap-revert-loss')).toContainText('현재 스냅숏 ko-1');
  await checkScreen(page, { lang: 'ko', watch, allowWords: NAMES });
  await shot('revert-ko');
  await page.getByTestId('snap-confirm-ok').click();
  await expect(row('after-upgrade')).toHaveAttribute('data-current', 'yes', { timeout: 60_000 });
  await expect(page.getByTestId('snap-job')).toHaveCount(0, { timeout: 60_000 });
  expect((await virsh(host, ['domstate', VM])).trim()).toBe('running');
  // Disk-only of a running VM is external; this guest has no agent: taken unquiesced, and said so.
  await take('ko-disk', { memory: false });
  await expect(page.getByTestId('snap-condition-NoGuestAgent')).toContainText('게스트 에이전트가 응답하지 않아');
  await expect(row('ko-disk').getByTestId('snap-noagent')).toBeVisible();
  await expect(row('ko-disk')).toContainText('외부');
  await checkScreen(page, { lang: 'ko', watch, allowWords: NAMES });
  await shot('tab-ko');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
  await openSnapshots();
  await expect(page.getByTestId('snap-condition-NoGuestAgent')).toBeVisible({ timeout: 30_000 });
  await checkScreen(page, { lang: 'en', watch });
  await shot('noagent-en');
});

test('clones the running VM from its snapshots on the VM page: full from a memory snapshot, linked on a disk-only one', async () => {
  const [full, linked] = CLONES as [string, string];
  await openSnapshots();
  for (const [name, mode, from] of [[full, 'full', 'before-upgrade'], [linked, 'linked', 'ko-disk']] as const) {
    await page.getByTestId('vm-action-clone').click();
    await page.getByTestId('clone-name').fill(name);
    await page.getByTestId('clone-mode').selectOption(mode);
    await page.getByTestId('clone-from').selectOption(`snap:${from}`);
    await page.getByTestId('clone-submit').click();
    await expect(page.getByTestId('clone-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
    await checkScreen(page, { lang: 'en', watch });
    await page.getByTestId('clone-close').click();
  }
  expect((await virsh(host, ['domstate', VM])).trim()).toBe('running');
  for (const c of CLONES) expect(await virsh(host, ['list', '--all', '--name'])).toContain(c);
  await page.getByTestId('nav-tasks').click();
  await expect(page.locator('[data-testid="job-row"]', { hasText: `Linked clone of ${VM} as ${linked}` })).toHaveAttribute('data-state', 'succeeded');
});
