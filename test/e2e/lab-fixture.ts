import { test, type Browser, type Page } from '@playwright/test';
import fs from 'node:fs';
import { LAB_JSON_PATH, readLabInfo, type LabInfo } from '../lab/lab-info';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

/** The lab for e2e specs, or why there is none (then the spec skips saying so). */
export function labOrReason(): { lab: LabInfo } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'needs the hypervisor lab, which needs root' };
  if (!fs.existsSync(LAB_JSON_PATH)) return { reason: `needs the hypervisor lab up (npm run lab:up); no ${LAB_JSON_PATH}` };
  return { lab: readLabInfo() };
}

/**
 * For a spec that needs the lab: skips the whole spec, saying why, where there is none, and
 * otherwise gives the lab (call it inside hooks and tests, which never run for a skipped spec).
 */
export function labSpec(): () => LabInfo {
  const found = labOrReason();
  test.skip('reason' in found, 'reason' in found ? `Skipped: ${found.reason}` : '');
  return () => {
    if ('reason' in found) throw new Error(found.reason);
    return found.lab;
  };
}

/** `hangar serve` with fresh data and home directories, opened in a page of its own. */
export async function serveAndOpen(browser: Browser): Promise<{ serve: Serve; page: Page }> {
  const serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
  const page = await browser.newPage();
  await page.goto(serve.url);
  return { serve, page };
}
