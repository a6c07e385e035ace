import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs/promises';
import { startServe, tempDataDir } from './serve-fixture';

const rows = (page: Page) => page.getByTestId('job-row');

test('runs a job with live progress, cancels another, and both survive a restart', async ({ page }) => {
  const dataDir = await tempDataDir();
  let serve = await startServe(dataDir);
  try {
    await page.goto(serve.url);
    await page.getByTestId('nav-tasks').click();
    await expect(page.getByText('No tasks yet.')).toBeVisible();

    // First job: watch it progress on the Tasks page until it succeeds.
    await page.getByTestId('run-self-test').click();
    const first = rows(page).first();
    await expect(first).toHaveAttribute('data-state', 'running');
    await expect(first).toContainText(/Step \d+ of 10/);
    const firstId = await first.getAttribute('data-job-id');
    const bar = first.getByRole('progressbar');
    await expect(bar).toHaveAttribute('aria-valuenow', /^[1-9]\d?$/); // progress moved past 0

    // Second job: cancel it while it runs.
    await page.getByTestId('run-self-test').click();
    await expect(rows(page)).toHaveCount(2);
    const second = rows(page).first();
    const secondId = await second.getAttribute('data-job-id');
    expect(secondId).not.toBe(firstId);
    await expect(second).toHaveAttribute('data-state', 'running');
    await second.getByRole('button', { name: 'Cancel' }).click();
    await expect(second).toHaveAttribute('data-state', 'cancelled');
    await expect(second.getByTestId('job-state')).toHaveText('Cancelled');

    const firstRow = page.locator(`[data-job-id="${firstId}"]`);
    await expect(firstRow).toHaveAttribute('data-state', 'succeeded', { timeout: 15_000 });
    await expect(firstRow.getByTestId('job-state')).toHaveText('Succeeded');
    await expect(firstRow.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');

    // Restart the server on the same data dir: the journal keeps both final states.
    await serve.stop();
    serve = await startServe(dataDir);
    await page.goto(serve.url);
    await page.getByTestId('nav-tasks').click();
    await expect(rows(page)).toHaveCount(2);
    await expect(page.locator(`[data-job-id="${firstId}"]`)).toHaveAttribute('data-state', 'succeeded');
    await expect(page.locator(`[data-job-id="${secondId}"]`)).toHaveAttribute('data-state', 'cancelled');
  } finally {
    await serve.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('an open tab reconnects by itself after a restart (same port, same token), and is told when the token was changed', async ({ page }) => {
  const dataDir = await tempDataDir();
  let serve = await startServe(dataDir);
  const status = page.getByTestId('connection-status');
  try {
    const firstUrl = serve.url;
    await page.goto(serve.url);
    await expect(status).toHaveAttribute('data-status', 'connected');
    await serve.stop();
    await expect(status).toHaveAttribute('data-status', 'reconnecting');
    serve = await startServe(dataDir);
    expect(serve.url).toBe(firstUrl);
    await expect(status).toHaveAttribute('data-status', 'connected', { timeout: 15_000 });
    // The subscriptions came back with the socket: a new task shows up live.
    await page.getByTestId('nav-tasks').click();
    await page.getByTestId('run-self-test').click();
    await expect(rows(page).first()).toHaveAttribute('data-state', /running|succeeded/);

    // Asked for a new token: the old tab is told so rather than spinning forever.
    await serve.stop();
    serve = await startServe(dataDir, ['--new-token']);
    expect(serve.url).not.toBe(firstUrl);
    await expect(status).toHaveAttribute('data-status', 'unauthorized', { timeout: 20_000 });
  } finally {
    await serve.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
