/**
 * Issue 21 #7 and #10, as a person meets them: `hangar serve` refuses a secret key others can
 * read and says how to fix it; Settings says when the key sits beside the database it protects;
 * the create form says SSH keys are preferred to a cloud-init password. English and Korean.
 */
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../out/cli/hangar.mjs');
const SHOTS = process.env.HANGAR_SCREENS_DIR;
const shot = async (page: Page, name: string) => {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `h5-hostile-${name}.png`), fullPage: true });
};

/** Collects console errors and CSP reports: a page that works shows none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

test('a secret key file others can read is refused with the fix', async () => {
  const dataDir = await tempDataDir();
  const keyFile = path.join(dataDir, 'keys', 'secret.key');
  await fs.mkdir(path.dirname(keyFile), { recursive: true });
  await fs.writeFile(keyFile, 'ab'.repeat(32) + '\n', { mode: 0o644 });
  await fs.chmod(keyFile, 0o644);
  try {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--secret-key-file', keyFile], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, HANGAR_LOCAL_LIBVIRT_SOCKET: 'none' } });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('Hangar UI:');
    expect(r.stderr.trim()).toBe(`hangar: The secret key file ${keyFile} is open to other users (mode 0644). Make it yours alone with: chmod 600 ${keyFile}`);
    await fs.chmod(keyFile, 0o600);
    const serve = await startServe(dataDir, ['--secret-key-file', keyFile]);
    await serve.stop();
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test.describe('with the secret key in the data dir (the default)', () => {
  let serve: Serve;
  test.beforeAll(async () => {
    serve = await startServe(await tempDataDir());
  });
  test.afterAll(async () => {
    await serve.stop();
    await fs.rm(serve.dataDir, { recursive: true, force: true });
  });

  test('Settings warns that the key sits beside the database, in English and Korean', async ({ page }) => {
    const errors = watchErrors(page);
    const keyFile = path.join(serve.dataDir, 'secret.key');
    expect((await fs.stat(path.join(serve.dataDir, 'hangar.db'))).mode & 0o777).toBe(0o600);
    await page.goto(serve.url);
    await page.getByTestId('nav-settings').click();
    const warning = page.getByTestId('secrets-warning');
    await expect(warning).toHaveText(`The secret key ${keyFile} is in the data folder, beside the database it protects: a copy of the folder carries both the encrypted passwords and their key. Keep the key elsewhere (hangar serve --secret-key-file) or give it in HANGAR_SECRET_KEY.`);
    await shot(page, 'settings-en');
    await page.getByTestId('settings-language').selectOption('ko');
    await expect(warning).toContainText(`비밀 키 ${keyFile}이(가) 보호 대상인 데이터베이스와 같은 데이터 폴더에 있습니다.`);
    await expect(warning).not.toContainText('{');
    await shot(page, 'settings-ko');

    // The create form: one line under the cloud-init password.
    await page.getByTestId('nav-vms').click();
    await page.getByTestId('create-vm').click();
    await page.getByTestId('vm-create-cloudinit').check();
    await expect(page.getByTestId('vm-create-ci-password-hint')).toHaveText('SSH 키 사용을 권장합니다. 암호는 시드에 SHA-512 해시로만 기록되며, 암호를 넣으면 SSH 암호 로그인이 켜집니다.');
    await shot(page, 'create-ko');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption('en');
    await page.getByTestId('nav-vms').click();
    await page.getByTestId('create-vm').click();
    await page.getByTestId('vm-create-cloudinit').check();
    await expect(page.getByTestId('vm-create-ci-password-hint')).toHaveText('SSH keys are preferred. A password is written to the seed only as a SHA-512 hash, and it turns on password login over SSH.');
    await shot(page, 'create-en');
    expect(errors).toEqual([]);
  });
});

test('no warning when the key lives elsewhere', async ({ page }) => {
  const dataDir = await tempDataDir();
  const keyDir = await tempDataDir();
  const serve = await startServe(dataDir, ['--secret-key-file', path.join(keyDir, 'secret.key')]);
  try {
    await page.goto(serve.url);
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('secrets-status')).toBeVisible();
    await expect(page.getByTestId('secrets-warning')).toHaveCount(0);
  } finally {
    await serve.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(keyDir, { recursive: true, force: true });
  }
});
