/**
 * Issue 19, "at a glance": the VM list shows each running guest's CPU and memory use, its IP
 * address and title, with figures that agree with libvirt (`virsh domstats`, the DHCP leases);
 * the Overview agrees with `virsh dominfo` / `virsh dumpxml`; inline edits reach libvirt; the row
 * action and its menu follow the state. Screenshots of the list, Overview and Hosts page in
 * English and Korean go to /work/notes/screens/h8-*.png.
 */
import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { defineDomain, labTimeouts, readSerialLog, sshRun, testGuestXml, typeOnSerial, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec, serveAndOpen } from './lab-fixture';
import type { Serve } from './serve-fixture';

const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

let serve: Serve;
let lab: LabInfo;
let h1: LabHost;
let h2: LabHost;
let page: Page;
const tag = crypto.randomBytes(2).toString('hex');
const name = `h8-glance-${tag}`;
const title = `Glance guest ${tag}`;
const description = `Kept busy by the h8 e2e (${tag})`;
const disk = `/var/lib/libvirt/images/${name}.qcow2`;
const twin = `h8-twin-${tag}`;
const SCREENS = process.env.HANGAR_SCREENS_DIR ?? '/work/notes/screens';
const consoleErrors: string[] = [];

/** `virsh domstats` fields of one domain as numbers. */
async function domstats(args: string): Promise<Record<string, number>> {
  const out = await virsh(h1, `domstats ${args} ${name}`);
  const r: Record<string, number> = {};
  for (const m of out.matchAll(/^\s*([\w.]+)=(\d+)\s*$/gm)) r[m[1]!] = Number(m[2]);
  return r;
}

/** Every address libvirt knows for the guest: its DHCP leases and (when it has one) the agent. */
async function virshAddresses(): Promise<string[]> {
  const out = [await virsh(h1, `domifaddr ${name} --source lease`).catch(() => ''), await virsh(h1, `domifaddr ${name} --source agent`).catch(() => '')].join('\n');
  return [...out.matchAll(/\s(\d+\.\d+\.\d+\.\d+)\/\d+/g)].map((m) => m[1]!);
}

async function shot(file: string) {
  fs.mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/${file}`, fullPage: false });
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  lab = labOf();
  h1 = lab.hosts[0]!;
  h2 = lab.hosts[1]!;
  // The same name on both hosts (stopped): the list must make the pair obvious.
  for (const h of [h1, h2]) await defineDomain(h, testGuestXml({ name: twin, memoryMiB: 64, network: null, lab }));
  // Made through libvirt (not behind its back), so the pool knows the volume and its size.
  await virsh(h1, ['vol-create-as', 'default', `${name}.qcow2`, '256M', '--format', 'qcow2']);
  await defineDomain(h1, testGuestXml({ name, disk, memoryMiB: 128, lab }));
  await virsh(h1, ['desc', name, '--config', '--title', '--new-desc', title]);
  await virsh(h1, ['desc', name, '--config', '--new-desc', description]);
  await virsh(h1, ['start', name]);
  await waitFor(`${name} to boot`, async () => (await readSerialLog(h1, name)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
  // One vCPU kept busy, so the CPU figure is a number worth comparing.
  await typeOnSerial(h1, name, 'while :; do :; done &');
  ({ serve, page } = await serveAndOpen(browser));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await page.setViewportSize({ width: 1440, height: 900 });
  await addLabHost(page, lab, h1);
});

test.afterAll(async () => {
  await serve?.stop();
  await sshRun(h1, `virsh destroy ${name} >/dev/null 2>&1; virsh undefine ${name} >/dev/null 2>&1; virsh vol-delete ${name}.qcow2 --pool default >/dev/null 2>&1; rm -f ${disk}; true`).catch(() => undefined);
  for (const h of [h1, h2]) await sshRun(h, `virsh undefine ${twin} >/dev/null 2>&1; true`).catch(() => undefined);
});

test('the list shows live CPU and memory use, the IP address and the title, as libvirt reports them', async () => {
  test.setTimeout(180_000);
  const row = await findVm(page, name);
  await expect(row).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  await expect(row.getByTestId('vm-title')).toHaveText(title);
  // The whole title and the description on hover (the column may cut the title short).
  await expect(row.getByTestId('vm-title')).toHaveAttribute('title', `${title}\n${description}`);

  // The address is the guest's DHCP lease (or what its agent says), as virsh knows it.
  await expect(row.getByTestId('vm-ip')).not.toHaveText('', { timeout: 90_000 });
  const ip = (await row.getByTestId('vm-ip').textContent())!.replace(/\s*\+\d+$/, '').trim();
  expect(await virshAddresses()).toContain(ip);

  // CPU: the share of its vCPU over one interval, measured by virsh over about the same time.
  const cpu = row.getByTestId('vm-cpu');
  await expect(cpu).toBeVisible({ timeout: 30_000 });
  const a = await domstats('--cpu-total');
  const t0 = Date.now();
  await page.waitForTimeout(6000);
  const b = await domstats('--cpu-total');
  const virshPct = ((b['cpu.time']! - a['cpu.time']!) / 1e6 / (Date.now() - t0)) * 100;
  const uiPct = Number(await cpu.getAttribute('data-cpu'));
  expect(Math.abs(uiPct - virshPct), `list ${uiPct.toFixed(1)}% vs virsh ${virshPct.toFixed(1)}%`).toBeLessThan(25);
  await expect(cpu).toContainText('%');

  // Memory: the process's resident memory bounded by the guest's size (no balloon in this guest).
  const mem = row.getByTestId('vm-mem');
  const used = Number(await mem.getAttribute('data-mem-used'));
  const total = Number(await mem.getAttribute('data-mem-total'));
  const bal = await domstats('--balloon');
  expect(total).toBe(bal['balloon.current']! * 1024);
  const virshUsed = Math.min(bal['balloon.rss'] ?? bal['balloon.current']!, bal['balloon.current']!) * 1024;
  expect(Math.abs(used - virshUsed) / virshUsed).toBeLessThan(0.15);
  await expect(mem).toContainText('MiB');

  // The row's primary action for a running VM is Shut down; Start is not offered.
  await expect(row.getByTestId('vm-row-shutdown')).toBeVisible();
  await expect(row.getByTestId('vm-row-start')).toHaveCount(0);
  await row.getByTestId('vm-row-more').click();
  const menu = row.getByTestId('vm-row-menu');
  for (const a of ['reboot', 'pause', 'save', 'reset', 'forceOff']) await expect(menu.getByTestId(`vm-row-menu-${a}`)).toBeVisible();
  await expect(menu.getByTestId('vm-row-menu-resume')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await shot('h8-list-en.png');
});

test('the column chooser hides and reorders columns, and remembers it', async () => {
  await page.getByTestId('vm-columns').click();
  await page.getByTestId('vm-column-title').uncheck();
  await page.getByTestId('vm-column-up-ip').click();
  const headers = page.locator('[data-testid="vm-grid"] [role="columnheader"][data-col]');
  await expect(headers).toHaveCount(9);
  const order = await headers.evaluateAll((els) => els.map((e) => e.getAttribute('data-col')));
  expect(order.indexOf('ip')).toBeLessThan(order.indexOf('host'));
  await page.reload();
  const row = await findVm(page, name);
  await expect(row.getByTestId('vm-title')).toHaveCount(0);
  await page.getByTestId('vm-columns').click();
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(row.getByTestId('vm-title')).toHaveText(title);
  await page.getByRole('button', { name: 'Done' }).click();
});

test('the Overview agrees with virsh dominfo and dumpxml and shows the screen', async () => {
  test.setTimeout(120_000);
  const row = await findVm(page, name);
  await row.getByRole('link').click();
  const ov = page.getByTestId('vm-overview');
  await expect(ov).toBeVisible();
  const info = await virsh(h1, ['dominfo', name]);
  const field = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, 'm').exec(info)?.[1]?.trim();
  const xml = await virsh(h1, ['dumpxml', name]);
  await expect(ov.getByTestId('ov-uuid')).toHaveText(field('UUID')!);
  await expect(ov.getByTestId('ov-vcpus')).toHaveText(field('CPU\\(s\\)')!);
  expect(field('State')).toBe('running');
  await expect(ov.getByTestId('ov-state')).toContainText('Running');
  await expect(ov.getByTestId('ov-state')).toContainText('booted');
  await expect(ov.getByTestId('ov-memory')).toHaveText(`${Number(field('Used memory')!.split(' ')[0]) / 1024} MiB`);
  await expect(ov.getByTestId('ov-machine')).toHaveText(/machine='([^']+)'/.exec(xml)![1]!);
  const domainType = /<domain type='(\w+)'/.exec(xml)![1]!;
  await expect(ov.getByTestId('ov-accel')).toHaveAttribute('data-domain-type', domainType);
  await expect(ov.getByTestId('ov-accel')).toContainText(domainType === 'kvm' ? 'KVM' : 'TCG');
  await expect(ov.getByTestId('ov-autostart')).toBeChecked({ checked: field('Autostart') === 'enable' });
  await expect(ov.getByTestId('ov-host')).toHaveText(h1.name);
  await expect(ov.getByTestId('ov-addresses')).toContainText((await virshAddresses())[0]!, { timeout: 30_000 });
  // The disk is a volume of the default pool: its size as libvirt has it.
  const disks = ov.getByTestId('ov-disks');
  await expect(disks.locator('tr[data-target="vda"]')).toContainText('256 MiB');
  await expect(disks.locator('tr[data-target="vda"]')).toContainText('default');
  await expect(ov.getByTestId('ov-cpu')).toBeVisible({ timeout: 20_000 });
  await expect(ov.getByTestId('ov-rss')).toBeVisible();
  // The console still: drawn from libvirt's screenshot, with pixels that are not all black.
  const thumb = ov.getByTestId('vm-thumbnail');
  await expect(thumb).toHaveAttribute('data-drawn', 'yes', { timeout: 30_000 });
  const lit = await thumb.locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 60) n++;
    return n;
  });
  expect(lit).toBeGreaterThan(50);
  await shot('h8-overview-en.png');
  await thumb.click();
  await expect(page.getByTestId('vm-tab-console')).toHaveAttribute('aria-selected', 'true');
  await page.getByTestId('vm-tab-overview').click();
});

test('inline edits of title and vCPUs reach libvirt; row actions follow the state', async () => {
  test.setTimeout(180_000);
  const ov = page.getByTestId('vm-overview');
  // The title changes live (metadata), so the list shows it at once.
  const newTitle = `Renamed ${tag}`;
  await ov.getByTestId('ov-edit-title').click();
  await ov.getByTestId('ov-input-title').fill(newTitle);
  await ov.getByTestId('ov-save-title').click();
  await expect(ov.getByTestId('ov-title')).toHaveText(newTitle);
  expect((await virsh(h1, ['desc', name, '--title', '--live'])).trim()).toBe(newTitle);
  expect((await virsh(h1, ['desc', name, '--title', '--config'])).trim()).toBe(newTitle);
  // vCPUs change only when stopped: the edit link says why until then.
  await expect(ov.getByTestId('ov-edit-vcpus')).toBeDisabled();
  await expect(ov.getByTestId('ov-edit-vcpus')).toHaveAttribute('title', 'Stop the VM to change this');

  // Force off from the row's menu; then Start is the primary action and Shut down is gone.
  const row = await findVm(page, name);
  await expect(row.getByTestId('vm-title')).toHaveText(newTitle);
  await row.getByTestId('vm-row-more').click();
  await row.getByTestId('vm-row-menu-forceOff').click();
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
  expect((await virsh(h1, ['domstate', name])).trim()).toBe('shut off');
  await expect(row.getByTestId('vm-row-start')).toBeVisible();
  await expect(row.getByTestId('vm-row-shutdown')).toHaveCount(0);
  await expect(row.getByTestId('vm-cpu')).toHaveCount(0);
  await expect(row.getByTestId('vm-ip')).toHaveText('');

  await row.getByRole('link').click();
  await ov.getByTestId('ov-edit-vcpus').click();
  await ov.getByTestId('ov-input-vcpus').fill('2');
  await ov.getByTestId('ov-save-vcpus').click();
  await expect(ov.getByTestId('ov-vcpus')).toHaveText('2');
  expect(/^CPU\(s\):\s*(\d+)/m.exec(await virsh(h1, ['dominfo', name]))?.[1]).toBe('2');

  // Start again from the row: libvirt runs it with two vCPUs.
  const row2 = await findVm(page, name);
  await row2.getByTestId('vm-row-start').click();
  await expect(row2).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
  expect((await virsh(h1, ['domstate', name])).trim()).toBe('running');
  expect((await virsh(h1, ['vcpucount', name, '--live', '--active'])).trim()).toBe('2');
});

test('a name defined on two hosts is marked on both rows with the host it is on', async () => {
  test.setTimeout(120_000);
  await addLabHost(page, lab, h2);
  await findVm(page, twin);
  const rows = page.locator(`[data-testid="vm-row"][data-vm-name="${twin}"]`);
  await expect(rows).toHaveCount(2, { timeout: 30_000 });
  await expect(rows.getByTestId('vm-twin')).toHaveText([`@${h1.name}`, `@${h2.name}`].sort());
  await expect(rows.first().getByTestId('vm-twin')).toHaveAttribute('title', /also on/);
  // A name on one host only carries no mark.
  const single = await findVm(page, name);
  await expect(single.getByTestId('vm-twin')).toHaveCount(0);
});

test('the Hosts page shows usage, running of total and acceleration; then all three screens in Korean', async () => {
  test.setTimeout(120_000);
  await page.getByTestId('nav-hosts').click();
  const host = page.locator(`[data-testid="host-row"][data-host-name="${h1.name}"]`);
  await expect(host.getByTestId('host-cpu-use')).toContainText('%', { timeout: 30_000 });
  await expect(host.getByTestId('host-mem-use')).toContainText('/');
  // Other runners share the lab and come and go: compare with what virsh says at that moment.
  const counts = async () => [(await virsh(h1, ['list', '--name', '--state-running'])).split('\n').filter(Boolean).length, (await virsh(h1, ['list', '--name', '--all'])).split('\n').filter(Boolean).length] as const;
  let running = 0;
  let total = 0;
  await expect
    .poll(async () => {
      [running, total] = await counts();
      const cell = host.getByTestId('host-vm-count');
      return [Number(await cell.getAttribute('data-running')), Number(await cell.getAttribute('data-total'))].join('/') === `${running}/${total}`;
    }, { timeout: 30_000 })
    .toBe(true);
  await expect(host.getByTestId('host-vm-count')).toHaveText(/^[\d,]+ of [\d,]+$/);
  await expect(host.getByTestId('host-accel')).toHaveText(/KVM|TCG/);
  await shot('h8-hosts-en.png');
  await host.getByRole('link', { name: h1.name }).click();
  await expect(page.getByTestId('host-summary-vms')).toHaveText(/^[\d,]+ of [\d,]+$/);
  await expect(page.getByTestId('host-summary-cpu')).toBeVisible({ timeout: 20_000 });
  await shot('h8-host-detail-en.png');

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await page.getByTestId('nav-hosts').click();
  await expect(host.getByTestId('host-vm-count')).toHaveText(/^[\d,]+개 중 [\d,]+개$/);
  await expect(page.locator('th', { hasText: '메모리 사용' })).toBeVisible();
  await shot('h8-hosts-ko.png');
  const row = await findVm(page, name);
  await expect(page.getByTestId('vm-columns')).toHaveText('열');
  await expect(row.getByTestId('vm-row-shutdown')).toHaveText('종료');
  await expect(row.getByTestId('vm-cpu')).toBeVisible({ timeout: 30_000 });
  await shot('h8-list-ko.png');
  await row.getByRole('link').click();
  const ov = page.getByTestId('vm-overview');
  await expect(ov.getByText('하이퍼바이저', { exact: true })).toBeVisible();
  await expect(ov.getByTestId('vm-thumbnail')).toHaveAttribute('data-drawn', 'yes', { timeout: 30_000 });
  await expect(ov.getByTestId('ov-cpu')).toBeVisible({ timeout: 20_000 });
  await shot('h8-overview-ko.png');
  // No raw placeholders anywhere, and no console errors (CSP included) along the way.
  expect(await page.locator('body').innerText()).not.toMatch(/\{\w+\}/);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
  expect(consoleErrors).toEqual([]);
});
