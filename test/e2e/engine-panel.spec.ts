/**
 * Issue 20: Diagnostics → Engine shows the engine thread's event-loop delay and the engine's
 * memory, live, in English and in Korean (no raw placeholders, Korean words, a clean console).
 */
import { expect, test } from '@playwright/test';
import { checkScreen, watchPage } from './screen-checks';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

let serve: Serve;

test.beforeAll(async () => {
  serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
});

test.afterAll(async () => {
  await serve?.stop();
});

test('the Engine tab shows event-loop delay and memory, updating, in English and Korean', async ({ page }) => {
  test.setTimeout(60_000);
  const watch = await watchPage(page);
  await page.goto(serve.url);
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-engine').click();
  await expect(page.getByTestId('engine-panel')).toContainText('Engine responsiveness');
  await expect(page.getByTestId('engine-p99')).toHaveText(/^\d+(\.\d)? ms/);
  await expect(page.getByTestId('engine-rss')).toHaveText(/^\d+(\.\d)? MiB$/);
  // Live: the figures are read again every 2 s.
  const updated = await page.getByTestId('engine-panel').locator('p.muted').last().textContent();
  await expect(page.getByTestId('engine-panel').locator('p.muted').last()).not.toHaveText(updated!, { timeout: 10_000 });
  await checkScreen(page, { watch });

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-engine').click();
  await expect(page.getByTestId('engine-panel')).toContainText('엔진 응답성');
  await expect(page.getByTestId('engine-rss')).toHaveText(/^\d+(\.\d)? MiB$/);
  await expect(page.getByTestId('engine-p99')).toHaveText(/^\d+(\.\d)?ms/);
  await checkScreen(page, { lang: 'ko', watch });
});
