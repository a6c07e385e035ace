/**
 * Issue 21, finding 2: a decompression bomb shaped like a bundle (1 MB of .tar.gz unpacking to
 * 1 GiB of zeros) is refused by `hangar serve` in under 2 s, its memory stays under 300 MB, and
 * engine.info keeps answering meanwhile — one bomb, then two opened at once. A real bundle still
 * opens afterwards, and the refusal reads in English and in Korean in the window.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BundleWriter } from '../../engine/diagnostics/gather/bundle-writer';
import { connectApi } from '../bench/ws-api';
import { writeBomb } from '../helpers/bundle-bomb';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

let serve: Serve;
// Made in beforeAll: Playwright also loads this file just to list its tests.
let dir = '';
/** One 1 GiB entry: refused from its header. */
let ONE = '';
/** Sixteen 64 MiB entries, each within the per-file limit: refused by the ratio as it unpacks. */
let MANY = '';
let GOOD = '';

/** The server's resident memory now and at its peak, from /proc (MB). */
function rss(pid: number): { now: number; peak: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { now: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h6-bomb-'));
  [ONE, MANY, GOOD] = ['one-entry.tar.gz', 'many-entries.tar.gz', 'good.tar.gz'].map((n) => path.join(dir, n)) as [string, string, string];
  await writeBomb(ONE, { entryMiB: 1024, totalMiB: 1024 });
  await writeBomb(MANY, { entryMiB: 64, totalMiB: 1024 });
  const w = new BundleWriter(GOOD, 'diag-good', true, { appVersion: '0', options: {} });
  await w.put('hosts/lab1/logs/dmesg.txt', '[Mon Nov 23 06:00:00 2026] hello\n');
  await w.finish({ skipped: [], version: 'Hangar 0\n' });
  serve = await startServe(await tempDataDir());
});

test.afterAll(async () => {
  await serve?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('refuses 1 GiB bombs within 2 s and 300 MB while engine.info keeps answering', async () => {
  test.setTimeout(120_000);
  expect(fs.statSync(ONE).size).toBeLessThan(1.5 * 1024 * 1024);
  const api = await connectApi(serve.url);
  await api.call('engine.info', {});
  const before = rss(serve.pid);

  // engine.info every 50 ms for as long as the opens run: its slowest answer is the stall.
  let slowest = 0;
  let asked = 0;
  let running = true;
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      await api.call('engine.info', {});
      slowest = Math.max(slowest, performance.now() - t0);
      asked++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const timed = async (file: string) => {
    const t0 = performance.now();
    const err = await api.call('diagnostics.openBundle', { path: file }).then(() => null, (e: Error) => e);
    return { ms: Math.round(performance.now() - t0), err };
  };
  const one = await timed(ONE);
  const many = await timed(MANY);
  const both = await Promise.all([timed(MANY), timed(ONE)]);
  running = false;
  await prober;
  const after = rss(serve.pid);
  console.log(`bomb figures: one-entry ${one.ms} ms, many-entries ${many.ms} ms, both at once ${both.map((b) => b.ms).join(' / ')} ms; RSS before ${before.now} MB, peak ${after.peak} MB, after ${after.now} MB; engine.info slowest ${Math.round(slowest)} ms over ${asked} calls`);

  expect(one.err?.message).toMatch(/INVALID_PARAMS: .*unpacks to 1024 MiB/);
  expect(many.err?.message).toMatch(/INVALID_PARAMS: .*decompression bomb/);
  // Only one bundle can be open: the second open cancels the first one's unpacking.
  expect(both[0]!.err?.message).toMatch(/INVALID_PARAMS|CANCELLED/);
  expect(both[1]!.err?.message).toMatch(/INVALID_PARAMS: .*unpacks to 1024 MiB/);
  for (const b of [one, many, ...both]) expect(b.ms).toBeLessThan(2000);
  expect(after.peak).toBeLessThan(300);
  expect(slowest).toBeLessThan(500);

  // A real bundle opens after the refusals.
  const s = await api.call('diagnostics.openBundle', { path: GOOD });
  expect(s.checksumsOk).toBe(true);
  expect((await api.call('diagnostics.bundleTree', { bundleId: s.bundleId })).files.map((f) => f.path)).toContain('hosts/lab1/logs/dmesg.txt');
  api.close();
});

test('says why the bomb was refused, in English and in Korean', async ({ page }) => {
  await page.goto(serve.url);
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-bundles').click();
  await page.getByTestId('open-bundle-path').fill(ONE);
  await page.getByTestId('open-bundle-submit').click();
  const banner = page.getByTestId('diagnostics-page').getByRole('alert');
  await expect(banner).toContainText('Some values are not valid.');
  await expect(banner).toContainText('unpacks to 1024 MiB, more than the 64 MiB one file of a bundle may hold. It was not opened: it may be a decompression bomb.');
  await expect(banner).not.toContainText('{');
  fs.mkdirSync('/work/notes/screens', { recursive: true });
  await page.screenshot({ path: '/work/notes/screens/h6-bomb-en.png' });

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('ko');
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-bundles').click();
  await page.getByTestId('open-bundle-path').fill(ONE);
  await page.getByTestId('open-bundle-submit').click();
  await expect(banner).toContainText('압축 폭탄일 수 있어 열지 않았습니다.');
  await expect(banner).toContainText('1024 MiB');
  await expect(banner).not.toContainText('{');
  await page.screenshot({ path: '/work/notes/screens/h6-bomb-ko.png' });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').selectOption('en');
});
