import { expect, test } from '@playwright/test';
import fs from 'node:fs/promises';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

let serve: Serve;
test.beforeAll(async () => {
  serve = await startServe(await tempDataDir());
});
test.afterAll(async () => {
  await serve.stop();
  await fs.rm(serve.dataDir, { recursive: true, force: true });
});

test('opens through the printed URL, connects and hides the token', async ({ page }) => {
  await page.goto(serve.url);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
  expect(page.url()).not.toContain('token=');
  for (const name of ['Dashboard', 'Hosts', 'Virtual machines', 'Templates & ISOs', 'Diagnostics', 'Tasks', 'Settings']) {
    await expect(page.getByRole('navigation').getByRole('link', { name, exact: true })).toBeVisible();
  }
  // A reload keeps the session (token moved to sessionStorage, not the URL).
  await page.reload();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
});

test('switches the language to Korean and back', async ({ page }) => {
  await page.goto(serve.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await expect(page.getByTestId('nav-dashboard')).toHaveText('대시보드');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('설정');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
  // The choice is the engine's setting: a fresh page comes up in Korean.
  await page.reload();
  await expect(page.getByTestId('nav-tasks')).toHaveText('작업');
  await page.getByTestId('settings-language').selectOption('en');
  await expect(page.getByTestId('nav-dashboard')).toHaveText('Dashboard');
});

test('switches between light and dark themes', async ({ page }) => {
  await page.goto(serve.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.getByTestId('settings-theme').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(dark);
});

test('a page without the token says what to do instead of failing silently', async ({ page }) => {
  await page.goto(serve.origin + '/');
  await expect(page.getByRole('alert')).toContainText('hangar serve');
});
