/**
 * bench:console (issue 7): time from `console.open` to the first framebuffer update in the viewer,
 * through the real path — engine, WebSocket server, SSH forward on the host's existing connection,
 * QEMU's VNC server in the lab — with a viewer doing what noVNC does.
 *   warm: the host's SSH connection is up and a console has been opened before;
 *   cold: the first console on a freshly (re)connected host (new SSH connection, first forward);
 *   cold_incl_connect: from asking the host to connect to the first update (SSH + libvirt included).
 * Needs the lab (brought up here with 1 host if none is up). Prints one JSON object as its last line.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../engine/engine';
import { silentLogger } from '../../engine/logger';
import { startServer } from '../../engine/server/serve';
import { firstFramebufferUpdate, openConsoleSocket, rfbHandshake } from '../helpers/rfb-client';
import { labEngine } from '../integration/fleet/lab-engine';
import { defineDomain, sshRun, testGuestXml, virsh, waitFor } from '../lab/lab-info';
import { benchLog, ensureLab, median, percentile, round } from './bench-kit';
import { runJob } from '../helpers/run-job';

const log = benchLog('console');
const WARM_RUNS = Number(process.env.BENCH_RUNS ?? 20);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);


const phases: Record<string, number[]> = { open: [], socket: [], handshake: [], update: [] };
async function oneConsole(engine: Engine, origin: string, vmId: string): Promise<number> {
  const t0 = performance.now();
  const t = await engine.call('console.open', { vmId, kind: 'vnc' });
  const t1 = performance.now();
  const s = await openConsoleSocket(origin, t);
  const t2 = performance.now();
  const fb = await rfbHandshake(s);
  const t3 = performance.now();
  await firstFramebufferUpdate(s, fb);
  const ms = performance.now() - t0;
  phases.open!.push(t1 - t0);
  phases.socket!.push(t2 - t1);
  phases.handshake!.push(t3 - t2);
  phases.update!.push(t0 + ms - t3);
  s.ws.close();
  await s.closed;
  await waitFor('the bridge to close', async () => !(await engine.call('console.info', { vmId })).open.vnc, 5_000, 10);
  return ms;
}

const { lab, release } = ensureLab(log, 1);
const h = lab.hosts[0]!;
const NAME = `bc-${crypto.randomBytes(3).toString('hex')}`;
const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-static-'));
const testEngine = await labEngine(lab, 'bench-console');
const engine = testEngine.engine;
const server = await startServer({ engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: crypto.randomBytes(16).toString('hex'), staticDir });
try {
  await defineDomain(h, testGuestXml({ name: NAME, lab }));
  await virsh(h, ['start', NAME]);
  const host = await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint });
  const vm = await waitFor('the guest running', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === NAME && v.state === 'running'), 60_000, 100);
  // Let the guest draw its console once, so every run sees a real screen.
  await new Promise((r) => setTimeout(r, 3000));

  const cold: number[] = [];
  const coldConnect: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    await runJob(engine, 'hosts.disconnect', { hostId: host.id });
    const t0 = performance.now();
    await runJob(engine, 'hosts.connect', { hostId: host.id });
    await waitFor('the host connected', async () => (await engine.call('vms.list', {})).vms.find((v) => v.id === vm.id && v.state === 'running'), 30_000, 5);
    const connectMs = performance.now() - t0;
    const ms = await oneConsole(engine, server.origin, vm.id);
    cold.push(ms);
    coldConnect.push(connectMs + ms);
    log(`cold ${i + 1}/${COLD_RUNS}: ${round(ms)} ms (${round(connectMs + ms)} ms with the connect)`);
  }
  const warm: number[] = [];
  await oneConsole(engine, server.origin, vm.id);
  for (let i = 0; i < WARM_RUNS; i++) warm.push(await oneConsole(engine, server.origin, vm.id));
  log(`warm: median ${round(median(warm))} ms over ${WARM_RUNS} runs; phases (median of all runs): ${Object.entries(phases).map(([k, v]) => `${k} ${round(median(v))} ms`).join(', ')}`);
  const result = {
    bench: 'console',
    accel: lab.accel,
    warm_ms: round(median(warm)),
    warm_p95_ms: round(percentile(warm, 95)),
    cold_ms: round(median(cold)),
    cold_incl_connect_ms: round(median(coldConnect)),
    warm_runs: WARM_RUNS,
    cold_runs: COLD_RUNS,
    goal_warm_ms: 300,
    met: median(warm) < 300,
  };
  console.log(JSON.stringify(result));
} finally {
  await server.close();
  await testEngine.dispose();
  await sshRun(h, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`).catch(() => undefined);
  fs.rmSync(staticDir, { recursive: true, force: true });
  release();
}
