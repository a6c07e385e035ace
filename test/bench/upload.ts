/**
 * bench:upload (issue 17): the same 1 GiB file into the same host's `default` pool, four ways, in one run:
 * - hangar: the engine (engine → SSH → libvirt volume upload), a file source as `hangar upload` uses;
 * - scp: `scp` to the pool's directory on the host (the lab's key);
 * - virsh: `virsh vol-create-as` + `vol-upload` over qemu+ssh:// (the lab's key);
 * - browser: the ticketed PUT endpoint of `hangar serve` (in this process), driven by an HTTP client
 *   streaming the file (what a browser's fetch with a File body does).
 * Each way: one warm-up (64 MiB), then BENCH_RUNS (default 3) runs of 1 GiB; the median counts. The
 * MiB/s is the bytes over the time until they are on the host (for Hangar, before its own
 * sha256sum/qemu-img check on the host, which is timed apart). engine_rss_mib_peak: this process's
 * RSS sampled every 50 ms during the Hangar and browser runs (the engine runs in it).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { uploadFile } from '../../engine/cli/upload-command';
import { createEngine } from '../../engine/engine';
import { silentLogger } from '../../engine/logger';
import { aesGcmCipher } from '../../engine/secrets/key-cipher';
import { startServer } from '../../engine/server/serve';
import { sshRun, waitFor } from '../lab/lab-info';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('upload');
const MiB = 1024 ** 2;
const SIZE = Number(process.env.BENCH_UPLOAD_MIB ?? 1024) * MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const POOL = 'default';
const POOL_DIR = '/var/lib/libvirt/images';

/**
 * The test file, written by `head` from /dev/urandom in a child process: writing it from this process
 * left ~50 MiB of freed 16 MiB buffers in its RSS, which the engine's figure then carried.
 */
function randomFile(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const r = spawnSync('head', ['-c', String(bytes), '/dev/urandom'], { stdio: ['ignore', fd, 'inherit'] });
    if (r.status !== 0) throw new Error(`head -c ${bytes} /dev/urandom failed`);
  } finally {
    fs.closeSync(fd);
  }
}

async function main(): Promise<void> {
  const { lab, release } = ensureLab(log, 3);
  const host = lab.hosts[Math.min(4, lab.hosts.length - 1)]!;
  const tag = crypto.randomBytes(3).toString('hex');
  const prefix = `upbench-${tag}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-upload-'));
  const big = path.join(tmp, 'big.raw');
  const small = path.join(tmp, 'small.raw');
  log(`writing ${SIZE / MiB} MiB of random bytes; host ${host.name}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  randomFile(big, SIZE);
  randomFile(small, 64 * MiB);
  const engine = await createEngine({
    dataDir: tmp,
    secrets: aesGcmCipher(Buffer.alloc(32, 7), 'bench'),
    logger: silentLogger,
    runtime: 'in-process',
    localLibvirt: 'none',
    background: false,
    ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } },
  });
  const server = await startServer({ engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: crypto.randomBytes(16).toString('hex'), staticDir: tmp });
  let rssPeak = 0;
  let heapPeak = 0;
  let extPeak = 0;
  let sampling: NodeJS.Timeout | null = null;
  const sample = (on: boolean) => {
    if (sampling) clearInterval(sampling);
    sampling = on
      ? setInterval(() => {
          const m = process.memoryUsage();
          rssPeak = Math.max(rssPeak, m.rss);
          heapPeak = Math.max(heapPeak, m.heapUsed);
          extPeak = Math.max(extPeak, m.external + m.arrayBuffers);
        }, 50)
      : null;
  };
  let n = 0;
  const name = () => `${prefix}-${n++}.raw`;
  const dropVolume = async (v: string) => sshRun(host, `virsh vol-delete --pool ${POOL} ${v} >/dev/null 2>&1; rm -f ${POOL_DIR}/${v}; true`);
  const sshOpts = ['-i', lab.keyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  const uri = `qemu+ssh://root@${host.address}/system?keyfile=${lab.keyPath}&no_verify=1`;
  const verifyMs: number[] = [];

  try {
    const hostId = (await engine.call('hosts.add', { address: host.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: host.hostKeyFingerprint, name: host.name })).id;
    await waitFor('the host connected', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.id === hostId)?.state === 'connected', 60_000, 200);

    const ways: Record<'hangar' | 'scp' | 'virsh' | 'browser', (file: string, bytes: number) => Promise<number>> = {
      hangar: async (file) => {
        const v = name();
        sample(true);
        const t0 = performance.now();
        let onHost = 0;
        await uploadFile(engine, { file, hostId, pool: POOL, name: v, format: 'raw', onProgress: (s) => void (s.phase === 'verifying' && !onHost && (onHost = performance.now())) });
        const t1 = performance.now();
        sample(false);
        verifyMs.push(t1 - onHost);
        await dropVolume(v);
        return (onHost || t1) - t0;
      },
      scp: async (file) => {
        const v = name();
        const t0 = performance.now();
        const r = spawnSync('scp', ['-q', ...sshOpts, file, `root@${host.address}:${POOL_DIR}/${v}`], { stdio: ['ignore', 'ignore', 'pipe'] });
        const ms = performance.now() - t0;
        if (r.status !== 0) throw new Error(`scp failed: ${r.stderr}`);
        await dropVolume(v);
        return ms;
      },
      virsh: async (file, bytes) => {
        const v = name();
        const made = spawnSync('virsh', ['-c', uri, 'vol-create-as', POOL, v, String(bytes), '--format', 'raw'], { encoding: 'utf8' });
        if (made.status !== 0) throw new Error(`virsh vol-create-as failed: ${made.stderr}`);
        const t0 = performance.now();
        const r = spawnSync('virsh', ['-c', uri, 'vol-upload', '--pool', POOL, v, file], { encoding: 'utf8' });
        const ms = performance.now() - t0;
        if (r.status !== 0) throw new Error(`virsh vol-upload failed: ${r.stderr}`);
        await dropVolume(v);
        return ms;
      },
      browser: async (file, bytes) => {
        const v = name();
        sample(true);
        const t0 = performance.now();
        const ticket = await engine.call('storage.uploadBegin', { hostId, pool: POOL, name: v, size: bytes, format: 'raw' });
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request(new URL(ticket.url, server.origin), { method: 'PUT', headers: { 'content-length': String(bytes), 'content-type': 'application/octet-stream' } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          fs.createReadStream(file, { highWaterMark: MiB }).pipe(req);
        });
        // 204: the bytes are on the host (the check there follows in the job).
        const ms = performance.now() - t0;
        sample(false);
        if (status !== 204) throw new Error(`PUT answered ${status}`);
        const { jobId } = ticket;
        await waitFor('the upload job', async () => {
          const j = await engine.call('jobs.get', { jobId });
          if (j.state === 'failed') throw new Error(j.error?.message);
          return j.state === 'succeeded';
        }, 10 * 60_000, 200);
        await dropVolume(v);
        return ms;
      },
    };

    const base = process.memoryUsage();
    log(`engine up: rss ${round(base.rss / MiB, 0)} MiB, heap ${round(base.heapUsed / MiB, 0)} MiB, external+buffers ${round((base.external + base.arrayBuffers) / MiB, 0)} MiB`);
    const mibs: Record<string, number> = {};
    for (const [way, run] of Object.entries(ways)) {
      await run(small, 64 * MiB);
      const rates: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const ms = await run(big, SIZE);
        rates.push(SIZE / MiB / (ms / 1000));
        log(`${way} run ${i + 1}: ${round(rates[rates.length - 1]!)} MiB/s (load ${os.loadavg()[0]!.toFixed(1)})`);
      }
      mibs[way] = round(median(rates));
    }
    log(`peaks while uploading: rss ${round(rssPeak / MiB, 0)} MiB, heap ${round(heapPeak / MiB, 0)} MiB, external+buffers ${round(extPeak / MiB, 0)} MiB`);
    log(`Hangar's own check on the host (sha256sum + qemu-img info), median ${round(median(verifyMs) / 1000, 1)} s per GiB`);
    const result = {
      size_mib: SIZE / MiB,
      runs: RUNS,
      host: host.name,
      hangar_mib_s: mibs.hangar,
      scp_mib_s: mibs.scp,
      virsh_mib_s: mibs.virsh,
      browser_mib_s: mibs.browser,
      ratio_vs_scp: round(mibs.hangar! / mibs.scp!, 2),
      ratio_vs_virsh: round(mibs.hangar! / mibs.virsh!, 2),
      engine_rss_mib_peak: round(rssPeak / MiB, 0),
      hangar_verify_s_median: round(median(verifyMs) / 1000, 1),
      load_avg_1m: round(os.loadavg()[0]!, 1),
    };
    console.log(JSON.stringify(result));
  } finally {
    sample(false);
    await server.close();
    await engine.close();
    await sshRun(host, `rm -f ${POOL_DIR}/${prefix}-*; virsh pool-refresh ${POOL} >/dev/null 2>&1; true`).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
