/**
 * bench:relaunch (issue 20, instant start from what is known): from starting `hangar serve` on an
 * existing data dir to the VM list showing every VM in Debian's Chromium.
 *   - lab: a data dir with 3 lab hosts, inventory complete and persisted; relaunched with the
 *     last-known inventory (`relaunch_ms`), then with it emptied as before warm start existed
 *     (`cold_relaunch_ms`: the list waits for the hosts). `live_ms`: until every VM is live again.
 *   - synthetic: 10,000 VM rows written into the data dir's SQLite for 5 hosts whose stored address
 *     answers nothing (the field engineer offline): `relaunch_10k_ms`.
 * The measuring code is in relaunch-kit.ts (`measureRelaunch`), for bench:scale to report relaunch_ms.
 * Prints one JSON object as its last line.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { startServe, tempDataDir } from '../e2e/serve-fixture';
import { connectApi } from './ws-api';
import { benchLog, ensureLab, round } from './bench-kit';
import { knownVmCount, launchChromium, measureFirstRender, measureRelaunch, serveEnv, syntheticDataDir } from './relaunch-kit';

const log = benchLog('relaunch');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A data dir with the lab's first `n` hosts added and their whole inventory persisted; returns it and the VM count. */
async function labDataDir(n: number): Promise<{ dir: string; want: number }> {
  const { lab } = ensured!;
  const dir = await tempDataDir();
  const serve = await startServe(dir, [], serveEnv());
  try {
    const api = await connectApi(serve.url);
    for (const h of lab.hosts.slice(0, n)) {
      await api.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    }
    // Settled: the count holds still for 3 s (every host fetched), then one write-behind period more.
    let last = -1;
    let stableSince = performance.now();
    const t0 = performance.now();
    for (;;) {
      const { vms } = await api.call('vms.list', {});
      const hostsUp = (await api.call('hosts.list', {})).hosts.every((h) => h.state === 'connected');
      if (vms.length !== last || !hostsUp || vms.some((v) => v.lastSeen)) {
        last = vms.length;
        stableSince = performance.now();
      } else if (performance.now() - stableSince > 3_000) break;
      if (performance.now() - t0 > 300_000) throw new Error('the lab inventory did not settle in 5 min');
      await new Promise((r) => setTimeout(r, 250));
    }
    api.close();
    await new Promise((r) => setTimeout(r, 3_000));
    log(`lab data dir: ${n} hosts, ${last} VMs`);
    return { dir, want: last };
  } finally {
    await serve.stop();
  }
}

let ensured: ReturnType<typeof ensureLab> | null = null;

/**
 * The offline half alone (`BENCH_LAB=0`): no lab needed. The 10,000 stored rows relaunched, and the
 * list's first render of those 10,000 with the server up (as bench:ui-list measures it).
 */
async function offlineOnly() {
  const browser = await launchChromium();
  try {
    const synthDir = await syntheticDataDir(5, 2000);
    const synth = await measureRelaunch({ browser, dataDir: synthDir, want: 10_000, log });
    const serve = await startServe(synthDir, [], serveEnv());
    let render;
    try {
      render = await measureFirstRender({ browser, url: serve.url, origin: serve.origin, want: 10_000, log });
    } finally {
      await serve.stop();
    }
    console.log(
      JSON.stringify({
        bench: 'relaunch',
        relaunch_10k_ms: synth.ms,
        relaunch_10k_serve_ms: synth.serveMs,
        relaunch_10k_runs: synth.runs,
        ui_first_render_10k_ms: render.ms,
        ui_first_render_10k_runs: render.runs,
        synthetic_10k: '10,000 rows written into SQLite for 5 hosts that answer nothing (offline case)',
        runs: RUNS,
        load: os.loadavg().map((x) => round(x, 2)),
      }),
    );
  } finally {
    await browser.close();
  }
}

async function main() {
  if (spawnSync('node', ['scripts/build.mjs'], { stdio: ['ignore', 2, 2] }).status !== 0) throw new Error('build failed');
  if (process.env.BENCH_LAB === '0') return offlineOnly();
  // The lab's bench domains (not started), as other benches bring them: 200 per host is the 601-VM lab of the figure.
  ensured = ensureLab(log, 3, Number(process.env.BENCH_DOMAINS_PER_HOST ?? 200));
  const browser = await launchChromium();
  try {
    const lab = await labDataDir(3);
    const warm = await measureRelaunch({ browser, dataDir: lab.dir, want: () => knownVmCount(lab.dir), live: true, log });
    let coldWant = 0;
    const cold = await measureRelaunch({
      browser,
      dataDir: lab.dir,
      want: () => (coldWant = knownVmCount(lab.dir)),
      log,
      // As before warm start: nothing known, the list waits for every host's inventory.
      beforeRun: () => {
        const db = new Database(path.join(lab.dir, 'hangar.db'));
        db.exec('DELETE FROM inventory_vms; DELETE FROM inventory_hosts;');
        db.close();
      },
    });
    const synthDir = await syntheticDataDir(5, 2000);
    const synth = await measureRelaunch({ browser, dataDir: synthDir, want: 10_000, log });
    console.log(
      JSON.stringify({
        bench: 'relaunch',
        lab_hosts: 3,
        lab_vms: lab.want,
        lab_vms_last_run: coldWant,
        relaunch_ms: warm.ms,
        relaunch_serve_ms: warm.serveMs,
        live_ms: warm.liveMs,
        cold_relaunch_ms: cold.ms,
        ratio_cold_over_warm: round(cold.ms / warm.ms, 2),
        relaunch_10k_ms: synth.ms,
        relaunch_10k_serve_ms: synth.serveMs,
        synthetic_10k: '10,000 rows written into SQLite for 5 hosts that answer nothing (offline case)',
        runs: RUNS,
      }),
    );
  } finally {
    await browser.close();
    ensured.release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
