/**
 * Relaunch measurement (issue 20, instant start), shared by bench:relaunch and bench:scale: from
 * spawning `hangar serve` on an existing data dir to the VM list in Chromium showing every VM.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Vm } from '../../engine/contract';
import { startServe, tempDataDir, type Serve } from '../e2e/serve-fixture';
import { median, round } from './bench-kit';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
let home: string | null = null;
/** `hangar serve`'s environment: a HOME of its own (no ~/.ssh of the machine's user). */
export const serveEnv = (): Record<string, string> => ({ HOME: (home ??= fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-home-'))) });

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.HANGAR_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Waits until the VM list says it shows at least `want` of `want`+ VMs and rows are drawn. */
export async function waitForList(page: Page, want: number, timeoutMs = 120_000): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const m = /(\d[\d,]*)\D+(\d[\d,]*)/.exec(document.querySelector('[data-testid="vm-count"]')?.textContent ?? '');
      const total = m ? Number(m[2]!.replace(/,/g, '')) : 0;
      return total >= n && document.querySelectorAll('[data-testid="vm-row"]').length > 0;
    },
    want,
    { polling: 'raf', timeout: timeoutMs },
  );
}

export interface RelaunchResult {
  /** Median ms from spawning `hangar serve` to the full list drawn. */
  ms: number;
  runs: number[];
  /** Median ms of that spent before the server printed its URL (process start, engine, SQLite load). */
  serveMs: number;
  /** Median ms from spawning until no row is marked stale any more (only when asked: `live`). */
  liveMs: number | null;
}

/**
 * Relaunches `hangar serve` on `dataDir` (stopped between runs, never running when called) and
 * times each start until the VM list in Chromium shows `want` VMs. A warm-up run first. The tab
 * keeps the token in its session storage (the port and token stay in the data dir's serve.json).
 */
export async function measureRelaunch(opts: {
  browser: Browser;
  dataDir: string;
  /** How many VMs make the list full: a number, or read before each start (a shared lab changes). */
  want: number | (() => number);
  runs?: number;
  env?: Record<string, string>;
  /** Also wait for every VM to be live (no stale row), and report it. */
  live?: boolean;
  /** Runs before each start (e.g. to empty the stored inventory for a cold comparison). */
  beforeRun?: () => void | Promise<void>;
  log?: (msg: string) => void;
}): Promise<RelaunchResult> {
  const runs = opts.runs ?? RUNS;
  const env = opts.env ?? serveEnv();
  const page = await opts.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const times: number[] = [];
  const serveTimes: number[] = [];
  const liveTimes: number[] = [];
  try {
    for (let i = 0; i <= runs; i++) {
      const want = typeof opts.want === 'number' ? opts.want : opts.want();
      await opts.beforeRun?.();
      await page.goto('about:blank');
      const t0 = performance.now();
      const serve: Serve = await startServe(opts.dataDir, [], env);
      const tServe = performance.now() - t0;
      try {
        // The first visit hands the token over (as a user's first open does); later ones are the tab coming back.
        await page.goto(i === 0 ? serve.url : `${serve.origin}/#/vms`, { timeout: 120_000 }); // a loaded machine takes its time
        if (i === 0) await page.evaluate(() => (window.location.hash = '#/vms'));
        await waitForList(page, want);
        const ms = performance.now() - t0;
        let liveMs: number | null = null;
        if (opts.live) {
          await page.waitForFunction(() => document.querySelectorAll('[data-testid="vm-row"]').length > 0 && !document.querySelector('[data-stale="true"]') && !document.querySelector('[data-testid="warm-banner"]'), undefined, { polling: 200, timeout: 300_000 });
          liveMs = performance.now() - t0;
        }
        opts.log?.(`run ${i}${i === 0 ? ' (warm-up)' : ''}: list of ${want} ${Math.round(ms)} ms (serve up ${Math.round(tServe)} ms)${liveMs ? `, all live ${Math.round(liveMs)} ms` : ''}`);
        if (i > 0) {
          times.push(ms);
          serveTimes.push(tServe);
          if (liveMs !== null) liveTimes.push(liveMs);
        }
      } finally {
        await serve.stop();
      }
    }
  } finally {
    await page.close();
  }
  return { ms: round(median(times)), runs: times.map((x) => round(x)), serveMs: round(median(serveTimes)), liveMs: liveTimes.length ? round(median(liveTimes)) : null };
}

/**
 * The VM list's first render as bench:ui-list measures it: with `hangar serve` already up, from a
 * full page load of `#/vms` (WebSocket connect, the VM snapshot, React render) until the list says
 * "N of N" with rows drawn. Median of `runs` after a warm-up. Also returns the page's own split of
 * the last run (navigation → DOM ready → snapshot → rows), from the Performance timeline.
 */
export async function measureFirstRender(opts: { browser: Browser; url: string; origin: string; want: number; runs?: number; log?: (msg: string) => void }): Promise<{ ms: number; runs: number[] }> {
  const runs = opts.runs ?? RUNS;
  const page = await opts.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const times: number[] = [];
  try {
    await page.goto(opts.url); // hands the token over for this tab
    for (let i = 0; i <= runs; i++) {
      await page.goto('about:blank');
      const t0 = performance.now();
      await page.goto(`${opts.origin}/#/vms`, { timeout: 120_000 });
      await waitForList(page, opts.want);
      const ms = performance.now() - t0;
      const marks = await page.evaluate(() => {
        const perf = window.performance; // the page's (this file's `performance` is Node's)
        const nav = perf.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        const m = (name: string) => Math.round(perf.getEntriesByName(name)[0]?.startTime ?? -1);
        return { domContentLoaded: Math.round(nav?.domContentLoadedEventEnd ?? -1), snapshot: m('hangar:vms-snapshot'), now: Math.round(perf.now()) };
      });
      opts.log?.(`first render ${i}${i === 0 ? ' (warm-up)' : ''}: ${Math.round(ms)} ms (page: DOM ready ${marks.domContentLoaded}, VM snapshot ${marks.snapshot}, list ${marks.now})`);
      if (i > 0) times.push(ms);
    }
  } finally {
    await page.close();
  }
  return { ms: round(median(times)), runs: times.map((x) => round(x)) };
}

/** How many VMs the data dir's SQLite knows for the hosts it has (what a warm start lists at once). */
export function knownVmCount(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'hangar.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM inventory_vms WHERE host_id IN (SELECT id FROM hosts)').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A VM row as the engine stores it (migration 19), for the synthetic half. */
function syntheticVm(hostId: string, i: number): Vm {
  const uuid = crypto.randomUUID();
  return {
    id: uuid,
    hostId,
    uuid,
    otherCopies: [],
    name: `bench-warm-${String(i).padStart(5, '0')}`,
    title: null,
    description: null,
    state: i % 3 === 0 ? 'stopped' : 'running',
    stateReason: null,
    libvirtReason: i % 3 === 0 ? 'shutdown' : 'booted',
    vcpus: 1 + (i % 4),
    memoryKiB: 262144 * (1 + (i % 4)),
    osType: 'hvm',
    os: 'linux',
    arch: 'x86_64',
    disks: 1,
    nics: 1,
    hasGraphics: true,
    labels: {},
    group: null,
    origin: null,
    managedByHangar: false,
    addresses: i % 3 === 0 ? [] : [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    lastSeen: null,
  };
}

/** A data dir whose SQLite holds `hosts` hosts that answer nothing and `perHost` VMs each, last seen 12 minutes ago. */
export async function syntheticDataDir(hosts: number, perHost: number): Promise<string> {
  const dir = await tempDataDir();
  const serve = await startServe(dir, [], serveEnv()); // creates and migrates the database, and serve.json
  await serve.stop();
  const db = new Database(path.join(dir, 'hangar.db'));
  const seenAt = Date.now() - 12 * 60_000;
  db.transaction(() => {
    for (let h = 0; h < hosts; h++) {
      const id = crypto.randomUUID();
      db.prepare("INSERT INTO hosts(id, name, address, port, user, auth, tags, disconnected, created_at) VALUES (?, ?, '127.0.0.1', 9, 'root', 'auto', '[]', 0, ?)").run(id, `offline${h + 1}`, Date.now() + h);
      db.prepare('INSERT INTO inventory_hosts(host_id, seen_at) VALUES (?, ?)').run(id, seenAt);
      const put = db.prepare('INSERT INTO inventory_vms(host_id, uuid, data) VALUES (?, ?, ?)');
      for (let i = 0; i < perHost; i++) {
        const vm = syntheticVm(id, h * perHost + i);
        put.run(id, vm.uuid, JSON.stringify(vm));
      }
    }
  })();
  db.close();
  return dir;
}

