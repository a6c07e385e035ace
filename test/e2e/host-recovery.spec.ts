/**
 * Issue 13 items 6 and 9 as a person sees them (h1-hosts): a stale ~/.ssh/known_hosts entry blocks
 * adding a host until the user reviews the new key (old and new SHA256 side by side, a confirmation
 * to tick); a host whose libvirtd stopped says so in words, with Retry now, and comes back on it.
 * In English and Korean, with screenshots in /work/notes/screens (h1-hosts-*.png).
 */
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LAB_DIR, type LabHost } from '../lab/lab-info';
import { labSpec } from './lab-fixture';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();
const SHOTS = process.env.HANGAR_SCREENS_DIR ?? '/work/notes/screens';

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `h1-hosts-${name}.png`) });
}

async function language(page: Page, lang: 'en' | 'ko'): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption(lang);
  await page.getByTestId('nav-hosts').click();
}

async function fillAdd(page: Page, h: LabHost, keyPath: string): Promise<void> {
  await page.getByTestId('add-host').click();
  await page.getByTestId('host-address').fill(h.address);
  await page.getByTestId('host-user').fill('root');
  await page.getByTestId('host-auth').selectOption('key');
  await page.getByTestId('host-key-path').fill(keyPath);
  await page.getByTestId('host-name').fill(h.name);
  await page.getByTestId('submit-host').click();
}

test('review new key and Retry now, in English and Korean', async ({ browser }) => {
  const lab = labOf();
  const h1 = lab.hosts[0]!;
  // A home whose known_hosts still has lab1's key from an earlier lab (the lab makes new keys on every up).
  const home = await tempDataDir();
  fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, 'old')]).status).toBe(0);
  const [type, blob] = fs.readFileSync(path.join(home, 'old.pub'), 'utf8').split(' ');
  fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `${h1.address} ${type} ${blob}\n`);
  const oldFp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(home, 'old.pub')], { encoding: 'utf8' }).stdout.split(/\s+/)[1]!;

  const pidFile = path.join(h1.stateDir, 'run', 'libvirtd.pid');
  const libvirtdUp = () => {
    try {
      return fs.existsSync(`/proc/${Number(fs.readFileSync(pidFile, 'utf8'))}`);
    } catch {
      return false;
    }
  };
  const startLibvirtd = () => spawnSync('bash', [path.join(LAB_DIR, 'scripts', 'host.sh'), 'exec', h1.name, '/usr/sbin/libvirtd', '-d', '-p', pidFile, '-f', '/etc/libvirt/libvirtd.conf']);

  let serve: Serve | undefined;
  const problems: string[] = [];
  try {
    serve = await startServe(await tempDataDir(), [], { HOME: home });
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(serve.url);
    await page.getByTestId('nav-hosts').click();

    // A relative key path, as a README might write it, is refused in words before anything connects.
    const relative = path.relative(process.cwd(), lab.keyPath);
    await fillAdd(page, h1, relative);
    await expect(page.getByTestId('add-host-error')).toContainText(`Give the full path of the key file, for example /home/me/.ssh/id_ed25519 (not ${relative}).`);
    await page.getByTestId('host-key-path').fill('/nonexistent/id_ed25519');
    await page.getByTestId('submit-host').click();
    await expect(page.getByTestId('add-host-error')).toContainText('There is no key file at /nonexistent/id_ed25519.');
    await shot(page, 'key-file-en');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // English: adding is refused with words and the review dialog; "Keep refusing" changes nothing.
    await fillAdd(page, h1, lab.keyPath);
    const dialog = page.getByTestId('review-key-dialog');
    await expect(dialog).toBeVisible({ timeout: 30_000 });
    await expect(dialog.getByTestId('review-key-old')).toHaveText(oldFp);
    await expect(dialog.getByTestId('review-key-new')).toHaveText(h1.hostKeyFingerprint);
    await expect(dialog).toContainText('known_hosts, line 1');
    await expect(dialog.getByTestId('review-key-replace')).toBeDisabled();
    await shot(page, 'review-key-en');
    await dialog.getByTestId('review-key-keep').click();
    await expect(page.getByTestId('add-host-error')).toContainText('presents a different SSH key');
    await expect(page.getByTestId('host-row')).toHaveCount(0);

    // Korean: the same, then confirmed.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await language(page, 'ko');
    await fillAdd(page, h1, lab.keyPath);
    await expect(dialog).toBeVisible({ timeout: 30_000 });
    await expect(dialog).toContainText('새 호스트 키 검토');
    await shot(page, 'review-key-ko');
    await dialog.getByTestId('review-key-confirm').check();
    await dialog.getByTestId('review-key-replace').click();
    const row = page.locator(`[data-testid="host-row"][data-host-name="${h1.name}"]`);
    await expect(row).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
    // The replacement is in the host's history.
    await page.getByRole('link', { name: h1.name, exact: true }).click();
    await expect(page.getByTestId('host-detail')).toContainText(`${oldFp} → ${h1.hostKeyFingerprint}`, { timeout: 15_000 });
    await page.getByTestId('nav-hosts').click();

    // libvirtd stops on the host: the row says so in Korean, with Retry now.
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
    await expect(row).toHaveAttribute('data-state', 'unreachable', { timeout: 15_000 });
    await expect(row.getByTestId('host-problem-text')).toContainText('libvirt', { timeout: 15_000 });
    await expect(row.getByTestId('retry-now')).toHaveText('지금 다시 시도');
    await shot(page, 'retry-now-ko');
    await language(page, 'en');
    await expect(row.getByTestId('host-problem-text')).toContainText('libvirt is not running on this host');
    await expect(row.getByTestId('retry-now')).toHaveText('Retry now');
    await row.getByText('Technical details').click();
    await shot(page, 'retry-now-en');
    await page.getByRole('link', { name: h1.name, exact: true }).click();
    await expect(page.getByTestId('host-detail').getByTestId('host-problem')).toContainText('VMs on this host show Unknown until it is back.');
    await shot(page, 'host-detail-unreachable-en');
    await page.getByTestId('nav-hosts').click();

    // Back: Retry now brings it to Connected at once.
    await expect.poll(() => libvirtdUp(), { timeout: 15_000 }).toBe(false);
    expect(startLibvirtd().status).toBe(0);
    // Back = libvirtd answers on the host itself (it loads every domain first: slow with a bench lab).
    const hostSh = path.join(LAB_DIR, 'scripts', 'host.sh');
    await expect.poll(() => spawnSync('bash', [hostSh, 'exec', h1.name, 'virsh', '-q', 'uri']).status, { timeout: 60_000 }).toBe(0);
    // Hangar retries by itself every few seconds: on a slow machine it may be back before the
    // click, and then Retry now is gone. Either way it is Connected within seconds of libvirtd.
    await row.getByTestId('retry-now').click({ timeout: 2_000 }).catch(() => undefined);
    await expect(row).toHaveAttribute('data-state', 'connected', { timeout: 5_000 });

    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/\{\w+\}/);
    expect(problems).toEqual([]);
  } finally {
    if (!libvirtdUp()) startLibvirtd();
    await serve?.stop();
  }
});
