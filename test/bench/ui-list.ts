/**
 * bench:ui-list (issue 6): the VM list with 5,000 domains in Debian's Chromium against
 * `hangar serve` and the lab. Measures the list's first render (opening the page until every VM is
 * listed and rows are drawn) and a filter keystroke (key down in the search box until the list
 * shows the new result). Prints one JSON object as its last line.
 */
import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readLabInfo, type LabInfo } from '../lab/lab-info';
import { startServe, tempDataDir } from '../e2e/serve-fixture';
import { connectApi } from './ws-api';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('ui-list');
const HOSTS = 2;
const PER_HOST = 2500;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);


async function main() {
  if (spawnSync('node', ['scripts/build.mjs'], { stdio: ['ignore', 2, 2] }).status !== 0) throw new Error('build failed');
  const { lab, release } = ensureLab(log, HOSTS, PER_HOST);
  const serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
  const browser = await chromium.launch({
    executablePath: process.env.HANGAR_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const api = await connectApi(serve.url);
    for (const h of lab.hosts.slice(0, HOSTS)) {
      await api.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    }
    const want = HOSTS * PER_HOST;
    const t0 = performance.now();
    for (;;) {
      const n = (await api.call('vms.list', {})).vms.length;
      if (n >= want) break;
      if (performance.now() - t0 > 300_000) throw new Error(`only ${n} VMs after 5 min`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const total = (await api.call('vms.list', {})).vms.length;
    log(`${total} VMs in the engine after ${Math.round(performance.now() - t0)} ms; ${RUNS} runs after a warm-up`);
    api.close();

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(serve.url); // stores the token for this tab
    await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
    const listUrl = `${serve.origin}/#/vms`;
    const firstRender: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      await page.goto('about:blank');
      const start = performance.now();
      await page.goto(listUrl); // a full load: connect, receive all VMs, draw the list
      await page.waitForFunction((n) => {
        const m = /^(\d+) of (\d+)$/.exec(document.querySelector('[data-testid="vm-count"]')?.textContent ?? '');
        return !!m && Number(m[2]) >= n && document.querySelectorAll('[data-testid="vm-row"]').length > 0;
      }, total, { polling: 'raf' });
      if (i > 0) firstRender.push(performance.now() - start);
    }

    // Each keystroke: from the key event to the frame after the list committed the new query (the
    // grid carries the query it shows, so a keystroke that matches as many VMs still counts).
    const keystroke: number[] = [];
    const query = 'bench-12';
    for (let i = 0; i <= RUNS; i++) {
      await page.getByTestId('vm-search').fill('');
      await page.waitForFunction(() => document.querySelector('[data-testid="vm-grid"]')?.getAttribute('data-query') === '');
      for (let k = 0; k < query.length; k++) {
        await page.evaluate((expected) => {
          const w = window as unknown as { __t?: Promise<number> };
          const input = document.querySelector('[data-testid="vm-search"]')!;
          const grid = document.querySelector('[data-testid="vm-grid"]')!;
          w.__t = new Promise<number>((resolve) => {
            let start = 0;
            input.addEventListener('keydown', () => (start = performance.now()), { once: true });
            const obs = new MutationObserver(() => {
              if (grid.getAttribute('data-query') !== expected) return;
              obs.disconnect();
              requestAnimationFrame(() => resolve(performance.now() - start));
            });
            obs.observe(grid, { attributes: true, attributeFilter: ['data-query'] });
          });
        }, query.slice(0, k + 1));
        await page.keyboard.press(query[k] === '-' ? 'Minus' : query[k]!);
        const ms = await page.evaluate(() => (window as unknown as { __t: Promise<number> }).__t);
        if (i > 0) keystroke.push(ms);
      }
      const shown = await page.getByTestId('vm-row').count();
      if (shown === 0) throw new Error('the filter left no rows: the measurement would be meaningless');
    }
    console.log(JSON.stringify({ bench: 'ui-list', domains: total, first_render_ms: round(median(firstRender)), filter_keystroke_ms: round(median(keystroke)), filter_keystroke_max_ms: round(Math.max(...keystroke)), runs: RUNS }));
  } finally {
    await browser.close();
    await serve.stop();
    release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
