/**
 * Issue 13, "done when": a newcomer's first hour, in Chromium against `hangar serve` started with
 * defaults and a fresh data dir. Nothing is chosen but what a newcomer must give (a VM's name and
 * source, a host's address, user and key file — the key file's full path, as the README says). It first
 * creates and starts a VM on the machine's own libvirt with no SSH (the local host appears by
 * itself, its daemon autostarted where none runs), then adds both lab hosts, creates a VM from
 * the base image with placement Automatic, starts it, uses both consoles, reads the metrics,
 * shuts it down, deletes it, collects and opens a diagnostics bundle, and switches to Korean.
 * At every step it asserts what is visible — text, a console that draws, readable serial text,
 * no CSP violation, no raw {placeholder} — and saves a screenshot to /work/notes/screens.
 */
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sshRun, virsh, type LabInfo } from '../lab/lab-info';
import { labSpec } from './lab-fixture';
import { checkScreen as checkPage, watchPage, type PageWatch } from './screen-checks';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

const SCREENS = process.env.HANGAR_SCREENS_DIR ?? path.resolve('test-results', 'newcomer');
const tag = crypto.randomBytes(2).toString('hex');
const LOCAL_VM = `h4-nc-local-${tag}`;
const LOCAL_BASE = `h4-nc-base-${tag}.qcow2`;
const FLEET_VM = `h4-nc-fleet-${tag}`;
const FLEET_BASE = `h4-nc-base-${tag}.qcow2`;
const LOCAL_URI = 'qemu:///session';
const localVirsh = (args: string[]) => spawnSync('virsh', ['-q', '-c', LOCAL_URI, ...args], { encoding: 'utf8', timeout: 30_000 });

let serve: Serve;
let lab: LabInfo;
let page: Page;
let localPoolDir = '';
/** Whether the machine's libvirt answered before this spec: if not, what Hangar started is stopped after. */
let localDaemonWasRunning = true;
let watch: PageWatch;
let shot = 0;

/**
 * A screenshot to look at afterwards, then what every screen must pass (test/e2e/screen-checks):
 * no CSP violation or console error, no raw {placeholder}, and in Korean no English but names.
 */
async function checkScreen(name: string, lang: 'en' | 'ko' = 'en', names: string[] = []): Promise<void> {
  fs.mkdirSync(SCREENS, { recursive: true });
  shot += 1;
  await page.screenshot({ path: path.join(SCREENS, `newcomer-${String(shot).padStart(2, '0')}-${name}.png`), fullPage: false });
  await checkPage(page, { lang, watch, allowWords: names });
}

/** The serial terminal's text against its background: WCAG contrast ratio of the drawn glyphs. */
async function serialContrast(): Promise<{ ratio: number; monospace: boolean; text: string }> {
  return page.getByTestId('serial-screen').evaluate((root) => {
    const lum = (css: string): number => {
      const m = css.match(/\d+(\.\d+)?/g)?.map(Number) ?? [0, 0, 0];
      const ch = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * ch(m[0] ?? 0) + 0.7152 * ch(m[1] ?? 0) + 0.0722 * ch(m[2] ?? 0);
    };
    const opaque = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (bg && !/rgba\(.*,\s*0\)$/.test(bg) && bg !== 'transparent') return bg;
      }
      return 'rgb(255, 255, 255)';
    };
    const spans = Array.from(root.querySelectorAll('.xterm-rows span, .xterm-rows > div')).filter((s) => (s.textContent ?? '').trim().length > 0);
    let worst = 21;
    for (const s of spans.slice(0, 40)) {
      const fg = lum(getComputedStyle(s).color);
      const bg = lum(opaque(s));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      worst = Math.min(worst, ratio);
    }
    const rows = root.querySelector('.xterm-rows');
    const family = rows ? getComputedStyle(rows).fontFamily : '';
    // A monospace font draws "iiii" as wide as "WWWW".
    const probe = document.createElement('span');
    probe.style.fontFamily = family;
    probe.style.position = 'absolute';
    document.body.append(probe);
    probe.textContent = 'iiiiiiii';
    const narrow = probe.getBoundingClientRect().width;
    probe.textContent = 'WWWWWWWW';
    const wide = probe.getBoundingClientRect().width;
    probe.remove();
    return { ratio: spans.length ? worst : 0, monospace: Math.abs(wide - narrow) < 1, text: rows?.textContent ?? '' };
  });
}

/** What the noVNC canvas shows: how many pixels are lit. */
async function litPixels(): Promise<number> {
  return page.getByTestId('console-screen').locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0) return 0;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if ((d[i] ?? 0) + (d[i + 1] ?? 0) + (d[i + 2] ?? 0) > 60) lit++;
    return lit;
  });
}

async function vmRow(name: string) {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('vm-search').fill(name);
  return page.locator(`[data-testid="vm-row"][data-vm-name="${name}"]`);
}

async function openVm(name: string): Promise<void> {
  const row = await vmRow(name);
  await row.getByRole('link', { name }).click();
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-vm-name', name);
}

test.beforeAll(async ({ browser }) => {
  lab = labOf();
  // The base image in the lab's shared pool, where an admin keeps the images every host sees.
  fs.copyFileSync(lab.guest.baseImage, path.join(lab.sharedPoolPath, FLEET_BASE));
  for (const h of lab.hosts) await virsh(h, ['pool-refresh', 'shared']);
  // Defaults: the machine's own libvirt is looked for (and started) as for any user; fresh HOME
  // and data dir, as on a first run.
  localDaemonWasRunning = localVirsh(['uri']).status === 0;
  serve = await startServe(await tempDataDir(), [], { HANGAR_LOCAL_LIBVIRT_SOCKET: '', HOME: await tempDataDir() });
  page = await browser.newPage();
  watch = await watchPage(page);
  await page.goto(serve.url);
});

test.afterAll(async () => {
  // Guests and images first: they must not outlive a server that is slow to stop.
  localVirsh(['destroy', LOCAL_VM]);
  localVirsh(['undefine', LOCAL_VM, '--remove-all-storage']);
  if (localPoolDir) fs.rmSync(path.join(localPoolDir, LOCAL_BASE), { force: true });
  localVirsh(['pool-refresh', 'default']);
  for (const h of lab.hosts) {
    await sshRun(h, `virsh destroy ${FLEET_VM} >/dev/null 2>&1; virsh undefine ${FLEET_VM} >/dev/null 2>&1; virsh vol-delete --pool default ${FLEET_VM}-disk0.qcow2 >/dev/null 2>&1; true`).catch(() => undefined);
  }
  fs.rmSync(path.join(lab.sharedPoolPath, FLEET_BASE), { force: true });
  await page?.close();
  await serve?.stop();
  // The daemons Hangar autostarted for this run (root: the system ones), by their pid files, unless guests run there.
  if (!localDaemonWasRunning && process.getuid?.() === 0 && localVirsh(['list', '--name']).stdout.trim() === '') {
    for (const pidFile of ['/run/libvirtd.pid', '/run/virtlogd.pid']) {
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : 0;
      if (pid > 1) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone already
        }
      }
    }
  }
});

test('the local host is there with no SSH, and runs a first VM', async () => {
  const local = os.hostname();
  await page.getByTestId('nav-hosts').click();
  const row = page.locator(`[data-testid="host-row"][data-host-name="${local}"]`);
  await expect(row).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  await checkScreen('local-host');

  // A disk image to start from, put where this machine's libvirt keeps images (its default pool).
  const poolXml = localVirsh(['pool-dumpxml', 'default']).stdout;
  localPoolDir = poolXml.match(/<path>([^<]+)<\/path>/)?.[1] ?? '';
  expect(localPoolDir, 'the local host has a default pool').not.toBe('');
  fs.copyFileSync(lab.guest.baseImage, path.join(localPoolDir, LOCAL_BASE));
  localVirsh(['pool-refresh', 'default']);

  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-name').fill(LOCAL_VM);
  await page.getByTestId('vm-create-host').selectOption({ label: local });
  await page.getByTestId('vm-create-source').selectOption('clone-overlay');
  await page.getByTestId('vm-create-source-pool').selectOption('default');
  await page.getByTestId('vm-create-source-volume').selectOption(LOCAL_BASE);
  await page.getByTestId('vm-create-start').check();
  await checkScreen('local-create-form');
  await page.getByTestId('vm-create-submit').click();

  const vm = await vmRow(LOCAL_VM);
  await expect(vm).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  expect(localVirsh(['domstate', LOCAL_VM]).stdout.trim()).toBe('running');
  await checkScreen('local-vm-running');
});

test('adds both lab hosts with address, user and key path only', async () => {
  for (const h of lab.hosts) {
    await page.getByTestId('nav-hosts').click();
    await page.getByTestId('add-host').click();
    await page.getByTestId('host-address').fill(h.address);
    await page.getByTestId('host-user').fill(h.user);
    await page.getByTestId('host-auth').selectOption('key');
    await page.getByTestId('host-key-path').fill(lab.keyPath);
    await page.getByTestId('submit-host').click();
    await expect(page.getByTestId('host-key-fingerprint')).toHaveText(h.hostKeyFingerprint, { timeout: 30_000 });
    await page.getByTestId('trust-host-key').click();
    await expect(page.locator(`[data-testid="host-row"][data-host-name="${h.address}"]`)).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
  }
  await expect(page.locator('[data-testid="host-row"][data-state="connected"]')).toHaveCount(lab.hosts.length + 1);
  await checkScreen('hosts-added');
});

test('creates a VM from the base image with placement Automatic, and starts it', async () => {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-create-name').fill(FLEET_VM);
  await expect(page.getByTestId('vm-create-host')).toHaveValue(''); // Automatic is the default
  await page.getByTestId('vm-create-source').selectOption('clone-overlay');
  // Only choices valid wherever the VM may go are offered: the shared pool every lab host has.
  await page.getByTestId('vm-create-source-pool').selectOption('shared', { timeout: 15_000 });
  await page.getByTestId('vm-create-source-volume').selectOption(FLEET_BASE);
  await checkScreen('fleet-create-form');
  await page.getByTestId('vm-create-submit').click();
  const row = await vmRow(FLEET_VM);
  await expect(row).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  // Placed on a host that has the shared pool (a lab host), not one that lacks it.
  expect(await row.innerText()).toMatch(new RegExp(lab.hosts.map((h) => h.address.replace(/\./g, '\\.')).join('|')));

  await openVm(FLEET_VM);
  await page.getByTestId('vm-action-start').click();
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  await checkScreen('fleet-vm-running');
});

test('the serial console is readable and answers; the graphical console draws the guest', async () => {
  await page.getByTestId('vm-tab-console').click();
  await page.getByTestId('console-kind-serial').click();
  await expect(page.getByTestId('console-status')).toHaveAttribute('data-status', 'connected', { timeout: 60_000 });
  const term = page.getByTestId('serial-screen');
  await term.click();
  const marker = `newcomer-${tag}`;
  await expect
    .poll(
      async () => {
        await page.keyboard.press('Enter');
        await page.keyboard.type(`echo ${marker}`);
        await page.keyboard.press('Enter');
        await page.waitForTimeout(1000);
        return (await serialContrast()).text.includes(marker);
      },
      { timeout: 90_000, intervals: [3000] },
    )
    .toBe(true);
  const c = await serialContrast();
  expect(c.ratio, 'serial text contrast (WCAG)').toBeGreaterThanOrEqual(4.5);
  expect(c.monospace, 'serial console font is monospace').toBe(true);
  await checkScreen('serial-console');

  await page.getByTestId('console-kind-vnc').click();
  await expect(page.getByTestId('console-status')).toHaveAttribute('data-status', 'connected', { timeout: 60_000 });
  await expect.poll(litPixels, { timeout: 60_000 }).toBeGreaterThan(500);
  await checkScreen('graphical-console');
});

test('reads the metrics on the VM and the Dashboard', async () => {
  await page.getByTestId('vm-tab-metrics').click();
  await expect.poll(async () => Number(await page.getByTestId('chart-cpu').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('chart-cpu').locator('canvas').first()).toBeVisible();
  await checkScreen('vm-metrics');

  await page.getByTestId('nav-dashboard').click();
  // Filled on first load, without navigating away and back.
  for (const id of ['trend-vms', 'trend-vcpu', 'trend-memory', 'trend-storage']) {
    await expect(page.getByTestId(id)).not.toHaveAttribute('data-points', '0', { timeout: 30_000 });
    expect(await page.getByTestId(id).innerText(), `${id} tile`).not.toMatch(/No data|^\s*—\s*$/m);
  }
  await expect(page.getByTestId('top-cpu').getByTestId('top-item').first()).toBeVisible({ timeout: 30_000 });
  expect(await page.locator('main').innerText()).not.toMatch(/Not connected to the Hangar engine|Cannot be reached/);
  await checkScreen('dashboard');
});

test('shuts the VM down and deletes it', async () => {
  await openVm(FLEET_VM);
  await page.getByTestId('vm-action-shutdown').click();
  // The guest powers off on the ACPI button (slow under TCG on a busy machine).
  await expect(page.getByTestId('vm-detail')).toHaveAttribute('data-state', 'stopped', { timeout: 90_000 });
  await page.getByTestId('vm-action-delete').click();
  await expect(page.getByTestId('delete-vm-form')).toBeVisible();
  await checkScreen('delete-form');
  await page.getByTestId('delete-confirm').click();
  await expect(await vmRow(FLEET_VM)).toHaveCount(0, { timeout: 30_000 });
  for (const h of lab.hosts) expect(await virsh(h, ['list', '--all', '--name'])).not.toContain(FLEET_VM);
});

test('collects a diagnostics bundle and opens it', async () => {
  // Every host, with defaults: on a lab with thousands of domains this takes its time.
  test.setTimeout(240_000);
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-collect').click();
  await page.getByTestId('collect-start').click();
  await expect(page.getByTestId('collect-result')).toContainText('.tar.gz', { timeout: 200_000 });
  await page.getByTestId('collect-open').click();
  const viewer = page.getByTestId('bundle-viewer');
  await expect(viewer.getByTestId('bundle-summary')).toBeVisible({ timeout: 60_000 });
  await expect(viewer.getByTestId('bundle-checksums')).toHaveText('checksums verified');
  await checkScreen('bundle');
});

test('switches to Korean: the pages speak Korean', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  const names = [os.hostname(), LOCAL_VM, ...lab.hosts.flatMap((h) => [h.address, h.name])];
  for (const nav of ['nav-dashboard', 'nav-hosts', 'nav-vms', 'nav-diagnostics', 'nav-settings']) {
    await page.getByTestId(nav).click();
    await page.waitForTimeout(500);
    expect(await page.locator('main').innerText()).toMatch(/[\uac00-\ud7a3]/);
    await checkScreen(`ko-${nav.slice(4)}`, 'ko', names);
  }
  await page.getByTestId('settings-language').selectOption('en');
});
