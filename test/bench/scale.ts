/**
 * bench:scale (issue 20): 5 lab hosts × 2,000 defined domains (10,000). The domains are this
 * benchmark's own (evloop-sc-NNNN, defined through one virsh session per host, undefined at the
 * end, also on failure); the lab itself is reused as it is (never rebuilt with --domains).
 *
 *   cold_ms            connect 5 hosts and take the full inventory (in-process engine)
 *   event_loop_p99_ms  the engine thread's event-loop delay p99 during that cold inventory
 *   warm_ms            a full reconcile (list with state, fetch only what changed), open connections
 *   full_fetch_ms      every XML fetched again over open connections (parses cached): virsh's work
 *   engine_rss_mib     `hangar serve`'s resident memory with the 10,000 in its inventory
 *   virsh_session_ms   one virsh session per host in parallel, listing and dumping every XML
 *   ui_first_render_ms the VM list of 10,000 in Chromium against `hangar serve`
 *   relaunch_ms        starting `hangar serve` on the existing data dir until Chromium lists all
 *
 * BENCH_PER_HOST (default 2000) and BENCH_HOSTS (default 5) scale it down for a try-out; BENCH_RUNS
 * (default 3) sets the repeats. Prints one JSON object as its last line.
 */
import { chromium, type Page } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../../engine/engine';
import { openHostLibvirt, type HostLibvirt } from '../../engine/hosts/host-libvirt';
import { fetchHostInventory, type ParseCache } from '../../engine/inventory/fetch-inventory';
import { eventLoop } from '../../engine/perf/event-loop';
import { aesGcmCipher } from '../../engine/secrets/key-cipher';
import { SshPool, type PinnedKey } from '../../engine/ssh';
import type { LabHost, LabInfo } from '../lab/lab-info';
import { startServe, tempDataDir, type Serve } from '../e2e/serve-fixture';
import { benchLog, ensureLab, median, round } from './bench-kit';
import { defineBulk, undefineBulk } from './bulk-domains';
import { connectApi } from './ws-api';

const log = benchLog('scale');
const HOSTS = Number(process.env.BENCH_HOSTS ?? 5);
const PER_HOST = Number(process.env.BENCH_PER_HOST ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREFIX = 'evloop-sc';
const mib = (b: number) => round(b / 2 ** 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Cold inventory in this process: the engine as the app runs it, its event loop measured throughout. */
async function coldInProcess(lab: LabInfo, hosts: LabHost[], want: number): Promise<{ coldMs: number; p99: number; p50: number; max: number; stalls: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-scale-'));
  const engine = await createEngine({
    dataDir: dir,
    secrets: aesGcmCipher(Buffer.alloc(32, 7), 'bench'),
    logger: { debug() {}, info() {}, warn: (m, f) => log(`engine: ${m} ${JSON.stringify(f)}`), error: (m, f) => log(`engine: ${m} ${JSON.stringify(f)}`) },
    runtime: 'in-process',
    localLibvirt: 'none',
    ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } },
  });
  try {
    const since = Date.now();
    const t0 = performance.now();
    await Promise.all(hosts.map((h) => engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name })));
    await until('the cold inventory', async () => (await engine.call('vms.list', {})).vms.filter((v) => v.name.startsWith(`${PREFIX}-`)).length >= want, 600_000, 100);
    const coldMs = performance.now() - t0;
    const s = eventLoop.stats(since);
    return { coldMs, p99: s.p99Ms, p50: s.p50Ms, max: s.maxMs, stalls: eventLoop.recentStalls().filter((x) => x.at >= since).length };
  } finally {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Open connections (as the engine holds them) for the reconcile and full-fetch timings. */
async function openLinks(lab: LabInfo, hosts: LabHost[]): Promise<{ pool: SshPool; links: HostLibvirt[]; caches: ParseCache[] }> {
  const pins = new Map<string, PinnedKey>();
  const configText = hosts.map((h) => `Host ${h.address}\n  User ${h.user}\n  IdentityFile ${h.keyPath}\n  IdentitiesOnly yes\n`).join('');
  const pool = new SshPool({ hostKeys: { get: async (r) => pins.get(r.endpoint), pin: async (r, k) => void pins.set(r.endpoint, k) }, knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText } });
  const links = await Promise.all(hosts.map((h) => openHostLibvirt(pool.connection(h.name, { address: h.address, user: h.user, port: h.sshPort }))));
  const caches = links.map((): ParseCache => new Map());
  await Promise.all(links.map((l, i) => fetchHostInventory(l.conn, caches[i])));
  return { pool, links, caches };
}

const virshUri = (h: LabHost) => `qemu+ssh://${h.user}@${h.address}/system?keyfile=${encodeURIComponent(h.keyPath)}&no_verify=1`;

function virsh(h: LabHost, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('virsh', ['-q', '-c', virshUri(h)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`virsh on ${h.name}: ${err.slice(0, 300)}`))));
    child.stdin.end(command);
  });
}

/** The libvirt-API tool's way: one virsh session per host, list then every dumpxml in sequence. */
async function virshSession(hosts: LabHost[], names: string[][]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(hosts.map((h, i) => virsh(h, ['list --all --name', ...names[i]!.map((n) => `dumpxml ${n}`)].join('\n') + '\n')));
  return performance.now() - t0;
}

/** From navigation to the VM list showing `total` VMs with rows drawn. */
async function listShown(page: Page, url: string, total: number): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    (n) => {
      const m = /^(\d+) of (\d+)$/.exec(document.querySelector('[data-testid="vm-count"]')?.textContent ?? '');
      return !!m && Number(m[2]) >= n && document.querySelectorAll('[data-testid="vm-row"]').length > 0;
    },
    total,
    { polling: 'raf', timeout: 600_000 },
  );
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function main() {
  if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 2, 2] }).status !== 0) throw new Error('build failed');
  const { lab, release } = ensureLab(log, HOSTS);
  const hosts = lab.hosts.slice(0, HOSTS);
  // Interrupted: the domains still go (other people's tests see them while they exist).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: undefining the benchmark domains`);
      void undefineBulk(lab, hosts, PREFIX).finally(() => {
        release();
        process.exit(130);
      });
    });
  }
  let serve: Serve | null = null;
  const browser = await chromium.launch({
    executablePath: process.env.HANGAR_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    let t = performance.now();
    await defineBulk(lab, hosts, PREFIX, PER_HOST, 'b2c3');
    log(`defined ${hosts.length} × ${PER_HOST} ${PREFIX}-NNNN in ${Math.round(performance.now() - t)} ms`);
    const want = hosts.length * PER_HOST;

    // Cold, in-process: the first is a warm-up (disk caches on the hosts), then RUNS measured.
    const colds: Awaited<ReturnType<typeof coldInProcess>>[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const c = await coldInProcess(lab, hosts, want);
      log(`cold ${i === 0 ? '(warm-up) ' : ''}${Math.round(c.coldMs)} ms, event loop p50 ${c.p50} p99 ${c.p99} max ${c.max} ms, ${c.stalls} stall(s)`);
      if (i > 0) colds.push(c);
    }

    // Reconcile and full fetch over open connections.
    const open = await openLinks(lab, hosts);
    const warm: number[] = [];
    const full: number[] = [];
    let refetched = 0;
    for (let i = 0; i <= RUNS; i++) {
      t = performance.now();
      const r = await Promise.all(open.links.map((l, k) => fetchHostInventory(l.conn, open.caches[k], { onlyChanged: true })));
      if (i > 0) warm.push(performance.now() - t);
      refetched = r.reduce((a, x) => a + x.fetched, 0);
      t = performance.now();
      await Promise.all(open.links.map((l, k) => fetchHostInventory(l.conn, open.caches[k])));
      if (i > 0) full.push(performance.now() - t);
    }
    const names = open.caches.map((c) => [...c.values()].map((e) => e.summary.name));
    await Promise.all(open.links.map((l) => l.conn.close()));
    await open.pool.closeAll();
    log(`reconcile ${Math.round(median(warm))} ms (refetched ${refetched}), full fetch ${Math.round(median(full))} ms`);

    const sessions: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 2); i++) sessions.push(await virshSession(hosts, names));
    log(`virsh sessions ${sessions.map(Math.round).join(', ')} ms`);

    // hangar serve: the VM list in Chromium, the engine's memory, then a relaunch on the same data dir.
    const dataDir = await tempDataDir();
    const home = await tempDataDir();
    serve = await startServe(dataDir, [], { HOME: home });
    const api = await connectApi(serve.url);
    for (const h of hosts) await api.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    await until('hangar serve inventory', async () => (await api.call('vms.list', {})).vms.length >= want, 600_000, 500);
    const total = (await api.call('vms.list', {})).vms.length;
    await sleep(3000); // settle: the address lookups and first health run after connect
    const perf = await api.call('engine.perf', {});
    const rss = rssOf(serve.pid);
    api.close();
    log(`hangar serve: ${total} VMs, RSS ${mib(rss)} MiB (engine.perf says ${mib(perf.memory.rssBytes)} MiB), loop p99 ${perf.eventLoop.p99Ms} ms`);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(serve.url);
    await page.getByTestId('connection-status').and(page.locator('[data-status="connected"]')).waitFor();
    const renders: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      await page.goto('about:blank');
      t = performance.now();
      await listShown(page, `${serve.origin}/#/vms`, total);
      if (i > 0) renders.push(performance.now() - t);
    }
    log(`first render ${renders.map(Math.round).join(', ')} ms`);

    await serve.stop();
    serve = null;
    await page.goto('about:blank');
    t = performance.now();
    serve = await startServe(dataDir, [], { HOME: home });
    await page.goto(serve.url);
    await listShown(page, `${serve.origin}/#/vms`, total);
    const relaunch = performance.now() - t;
    log(`relaunch ${Math.round(relaunch)} ms`);

    const cold = median(colds.map((c) => c.coldMs));
    const result = {
      bench: 'scale',
      hosts: hosts.length,
      domains: total,
      cold_ms: round(cold),
      warm_ms: round(median(warm)),
      event_loop_p99_ms: round(median(colds.map((c) => c.p99))),
      event_loop_max_ms: round(median(colds.map((c) => c.max))),
      engine_rss_mib: mib(rss),
      full_fetch_ms: round(median(full)),
      virsh_session_ms: round(median(sessions)),
      ratio: round(median(sessions) / median(full)),
      ratio_cold: round(median(sessions) / cold),
      ui_first_render_ms: round(median(renders)),
      relaunch_ms: round(relaunch),
      runs: RUNS,
      accel: lab.accel,
      load: os.loadavg().map((x) => round(x, 2)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await serve?.stop().catch(() => undefined);
    await browser.close().catch(() => undefined);
    log('undefining the benchmark domains');
    await undefineBulk(lab, hosts, PREFIX).catch((err: unknown) => log(`undefine failed: ${String(err)}`));
    release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
