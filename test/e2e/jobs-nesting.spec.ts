import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { connectApi } from '../bench/ws-api';
import { checkScreen, watchPage } from './screen-checks';
import { startServe, tempDataDir } from './serve-fixture';

const SHOTS = '/work/notes/screens';

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `fc-jobs-${name}.png`), fullPage: true });
}

const rows = (page: Page) => page.getByTestId('job-row');

/**
 * The Tasks page with a task waiting for a busy target (queued, saying for what) and a task with
 * subtasks shown under it; cancelling the parent cancels its subtasks. In English and in Korean.
 * Needs no host: self-tests lock a named target the way a mutating job does.
 */
test('a queued task says what it waits for; subtasks sit under their parent, whose cancel cascades', async ({ page }) => {
  const dataDir = await tempDataDir();
  const serve = await startServe(dataDir);
  const api = await connectApi(serve.url);
  try {
    const watch = await watchPage(page);
    await page.goto(serve.url);
    await page.getByTestId('nav-tasks').click();
    const pool = { kind: 'pool' as const, id: 'default' };
    const holder = await api.call('engine.selfTest', { steps: 60, stepMs: 500, target: pool });
    const waiter = await api.call('engine.selfTest', { steps: 2, stepMs: 100, target: pool });

    const waiting = page.locator(`[data-job-id="${waiter.jobId}"]`);
    await expect(waiting).toHaveAttribute('data-state', 'queued');
    await expect(waiting.getByTestId('job-waiting')).toHaveText('Waiting for “Self-test (60 steps)” to finish');
    await expect(waiting.getByTestId('job-target')).toHaveText('Pool default');

    // The button starts a short one; the one checked here lasts long enough for a busy machine.
    await expect(page.getByTestId('run-self-test-parent')).toHaveText('Run self-test with subtasks');
    await api.call('engine.selfTest', { steps: 100, stepMs: 1000, children: 3 });
    const titled = page.locator('[data-testid="job-row"][data-depth="0"]', { hasText: 'Self-test with 3 subtasks' });
    await expect(titled).toHaveAttribute('data-state', 'running');
    const parentId = (await titled.getAttribute('data-job-id'))!;
    const parent = page.locator(`[data-job-id="${parentId}"]`);
    const children = page.locator(`[data-testid="job-row"][data-parent-id="${parentId}"]`);
    await expect(children).toHaveCount(3);
    await expect(children.first()).toHaveAttribute('data-depth', '1');
    await expect(children.first()).toContainText('Self-test subtask 1 of 3');
    await expect(children.first()).toContainText(/Step \d+ of 100/);
    // The subtasks follow their parent, in order, before any other task.
    const order = await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
    const at = order.indexOf(parentId);
    const childIds = await children.evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
    expect(order.slice(at + 1, at + 4)).toEqual(childIds);
    await expect(parent.getByTestId('job-subtasks')).toHaveText('0 of 3 subtasks done');
    // The parent's bar is its subtasks' progress.
    await expect(parent.getByRole('progressbar')).toHaveAttribute('aria-valuenow', /^[1-9]\d?$/);
    await checkScreen(page, { lang: 'en', watch });
    await shot(page, 'tasks-en');

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption('ko');
    await page.getByTestId('nav-tasks').click();
    await expect(waiting.getByTestId('job-state')).toHaveText('대기 중');
    await expect(waiting.getByTestId('job-waiting')).toHaveText('“자체 점검(60단계)” 작업이 끝나기를 기다리는 중');
    await expect(waiting.getByTestId('job-target')).toHaveText('스토리지 풀 default');
    await expect(parent).toContainText('하위 작업 3개가 있는 자체 점검');
    await checkScreen(page, { lang: 'ko', watch });
    await shot(page, 'tasks-ko');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption('en');
    await page.getByTestId('nav-tasks').click();

    // Cancelling the parent cancels every subtask still running.
    await parent.getByTestId('job-cancel').click();
    await expect(parent).toHaveAttribute('data-state', 'cancelled');
    for (let i = 0; i < 3; i++) await expect(children.nth(i)).toHaveAttribute('data-state', 'cancelled');
    // A subtask's page names its parent, with a way back to it.
    await children.first().getByTestId('job-open').click();
    await expect(page.getByTestId('task-parent')).toHaveText('Subtask of “Self-test with 3 subtasks”');
    await page.getByTestId('task-parent').click();
    await expect(page.getByTestId('task-detail')).toHaveAttribute('data-job-id', parentId);
    await page.getByTestId('task-back').click();
    // The holder ends: the waiting task starts and finishes.
    await api.call('jobs.cancel', holder);
    await expect(waiting).toHaveAttribute('data-state', 'succeeded', { timeout: 15_000 });
    await expect(waiting.getByTestId('job-waiting')).toHaveCount(0);
  } finally {
    api.close();
    await serve.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
