/**
 * bench:pool (issue 18), on lab hosts lab1 and lab2, through the pools REST listener as CI calls it:
 *   cold_lease_ms:       GET /getservers/<u>?count=3 until the three addresses come back, no spares;
 *   script_ms:           the same three VMs the script way, on one of the same hosts: a shell loop of
 *                        `virsh vol-create-as` (overlay on the same base) + `virsh define` + `virsh
 *                        start` + polling `virsh net-dhcp-leases` until the address appears;
 *   ratio:               script_ms / cold_lease_ms (goal ≥ 2: parallel provisioning beats the loop);
 *   warm_lease_p95_ms:   warm spares on, 20 sequential count=1 leases (goal ≤ 1000 ms);
 *                        `warm_from_spares` says how many of the 20 a spare served;
 *   parallel_overbooked: 20 parallel count=2 requests against a capacity of 10: VMs granted beyond
 *                        the capacity (goal 0);
 *   release_ms:          GET /releaseservers/<u>?count=3 until the VMs and disks are gone.
 * Medians of BENCH_RUNS runs (default 2). Prints one JSON object as its last line.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../engine/logger';
import { startPoolApiServer } from '../../engine/poolapi/http-server';
import { labEngine } from '../integration/fleet/lab-engine';
import { shellQuote, sshRun, virsh, waitFor } from '../lab/lab-info';
import { benchLog, ensureLab, median, percentile, round } from './bench-kit';

const log = benchLog('pool');
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const { lab, release } = ensureLab(log, 2);
const hosts = [lab.hosts[0]!, lab.hosts[1]!];
const tag = crypto.randomBytes(3).toString('hex');
const BASE = `poolbench-base-${tag}.qcow2`;
const OS = 'bench';
const MEM = 256;

const te = await labEngine(lab, 'bench-pool');
const engine = te.engine;
const out: Record<string, unknown> = { machine: `${lab.accel}, ${hosts.length} lab hosts`, runs: RUNS };
let server: Awaited<ReturnType<typeof startPoolApiServer>> | undefined;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: { authorization: auth }, signal: AbortSignal.timeout(900_000) });
  return { status: res.status, body: await res.text() };
}
let auth = '';
let api = '';

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function lease(user: string, count: number): Promise<number> {
  const [ms, r] = await timed(() => get(`${api}/getservers/${user}?os=${OS}&count=${count}`));
  if (r.status !== 200 || !/^\["\d/.test(r.body)) throw new Error(`getservers ${user}: ${r.status} ${r.body}`);
  return ms;
}
async function releaseAll(user: string, count: number): Promise<number> {
  const [ms, r] = await timed(() => get(`${api}/releaseservers/${user}?count=${count}`));
  if (r.status !== 200) throw new Error(`releaseservers ${user}: ${r.status} ${r.body}`);
  return ms;
}

try {
  const hostIds: string[] = [];
  for (const h of hosts) {
    hostIds.push((await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name })).id);
    const dir = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
    await sshRun(h, `cp ${shellQuote(lab.guest.baseImage)} ${shellQuote(`${dir}/${BASE}`)} && virsh pool-refresh default >/dev/null`);
  }
  await waitFor('hosts connected', async () => (await engine.call('hosts.list', {})).hosts.filter((x) => x.state === 'connected').length === 2, 60_000, 200);
  await engine.call('pools.create', { os: OS, baseImages: hostIds.map((hostId) => ({ hostId, pool: 'default', volume: BASE })), network: 'default', cpus: 1, memoryMiB: MEM, networkTimeoutSecs: 300, retries: 1, warmSpares: 0 });
  const { secret } = await engine.call('apiTokens.create', { user: 'bench', maxVms: 100, maxExpiryMinutes: 60 });
  auth = `Basic ${Buffer.from(`bench:${secret}`).toString('base64')}`;
  server = await startPoolApiServer({ deps: engine.poolApi, logger: silentLogger, host: '127.0.0.1', port: 0 });
  api = server.url;

  // Cold: count=3 to addresses, then release (timed too).
  const cold: number[] = [];
  const rel: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const u = `pb-cold${i}-${tag}`;
    cold.push(await lease(u, 3));
    rel.push(await releaseAll(u, 3));
    log(`cold run ${i}: lease ${round(cold[i]!)} ms, release ${round(rel[i]!)} ms`);
  }
  out.cold_lease_ms = round(median(cold));
  out.release_ms = round(median(rel));

  // The script way, on lab1: one VM after the other, each to its DHCP address.
  const h = hosts[0]!;
  const size = JSON.parse(await sshRun(h, `qemu-img info --output=json ${shellQuote(lab.guest.baseImage)}`))['virtual-size'] as number;
  const script: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const names = [1, 2, 3].map((n) => `pb-script${i}-${tag}-${n}`);
    const macs = names.map(() => `52:54:00:${crypto.randomBytes(3).toString('hex').match(/../g)!.join(':')}`);
    const loop = names
      .map(
        (n, k) => `virsh vol-create-as default ${n}.qcow2 ${size} --format qcow2 --backing-vol ${BASE} --backing-vol-format qcow2 >/dev/null
cat > /tmp/${n}.xml <<XML
<domain type='${lab.domainType}'><name>${n}</name><memory unit='MiB'>${MEM}</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><features><acpi/><apic/></features>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$(virsh vol-path --pool default ${n}.qcow2)'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><source network='default'/><mac address='${macs[k]}'/><model type='virtio'/></interface><serial type='pty'/><console type='pty'/></devices></domain>
XML
virsh define /tmp/${n}.xml >/dev/null && rm -f /tmp/${n}.xml && virsh start ${n} >/dev/null
until virsh net-dhcp-leases default --mac ${macs[k]} | grep -q ipv4; do sleep 1; done`,
      )
      .join('\n');
    const [ms] = await timed(() => sshRun(h, `set -e\n${loop}`, { timeoutMs: 900_000 }));
    script.push(ms);
    log(`script run ${i}: ${round(ms)} ms`);
    await sshRun(h, names.map((n) => `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n}.qcow2 >/dev/null 2>&1`).join('; ') + '; true');
  }
  out.script_ms = round(median(script));
  out.ratio = round((out.script_ms as number) / (out.cold_lease_ms as number), 2);

  // Parallel: the pool's VMs sized so that the two hosts hold 10 of them; 20 requests of 2 at once.
  const free = (await engine.call('pools.capacity', { os: OS })).hosts;
  let mem = MEM;
  for (let m = 64; m < 1024 * 1024; m = Math.ceil(m * 1.05)) {
    if (free.reduce((s, x) => s + Math.floor(x.free.memoryMiB / m), 0) <= 10) {
      mem = m;
      break;
    }
  }
  await engine.call('pools.update', { os: OS, memoryMiB: mem });
  const capacity = (await engine.call('pools.capacity', { os: OS })).available;
  log(`parallel: VMs of ${mem} MiB, capacity ${capacity}`);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      fetch(`${api}/api/v1/pools/${OS}/leases`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ username: `pb-par${i}-${tag}`, count: 2, expiresInMinutes: 10 }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { leases?: { id: string }[] } })),
    ),
  );
  const granted = answers.filter((a) => a.status === 202).reduce((s, a) => s + (a.body.leases?.length ?? 0), 0);
  out.parallel_capacity = capacity;
  out.parallel_granted = granted;
  out.parallel_overbooked = Math.max(0, granted - capacity);
  log(`parallel: ${granted} VMs granted of capacity ${capacity}; statuses ${answers.map((a) => a.status).join(',')}`);
  const ids = answers.flatMap((a) => a.body.leases?.map((l) => l.id) ?? []);
  if (ids.length) await engine.poolApi.leases.release({ ids });
  await waitFor('parallel leases gone', async () => engine.poolApi.leases.list({}).length === 0, 600_000, 1000);
  await engine.call('pools.update', { os: OS, memoryMiB: MEM });

  // Warm: spares on, 20 sequential leases of one VM (each released after).
  const SPARES = 6;
  await engine.call('pools.update', { os: OS, warmSpares: SPARES });
  const ready = await waitFor('spares ready', async () => ((await engine.call('pools.capacity', { os: OS })).sparesReady >= 1 ? true : undefined), Number(process.env.BENCH_SPARE_WAIT_MS ?? 240_000), 2000).catch(() => false);
  log(`warm: spares ${ready ? 'ready' : 'not ready'} (${(await engine.call('pools.capacity', { os: OS })).sparesReady})`);
  if (!ready) {
    // Without spares the 20 leases would be 20 cold ones (minutes each on a loaded TCG lab): not measured.
    out.warm_lease_p95_ms = null;
    out.warm_note = 'no warm spare became ready (the leases engine had not served spares yet)';
    throw new Error('skip');
  }
  const warm: number[] = [];
  let fromSpare = 0;
  for (let i = 0; i < 20; i++) {
    const u = `pb-warm${i}-${tag}`;
    warm.push(await lease(u, 1));
    if (engine.poolApi.leases.list({ username: u }).some((l) => l.fromSpare)) fromSpare++;
    await releaseAll(u, 1);
  }
  out.warm_lease_p95_ms = round(percentile(warm, 95));
  out.warm_lease_median_ms = round(median(warm));
  out.warm_from_spares = fromSpare;
  await engine.call('pools.update', { os: OS, warmSpares: 0 });
} catch (err) {
  if (String(err) !== 'Error: skip') out.error = String(err);
  log(`failed: ${String(err)}`);
} finally {
  const left = engine.poolApi.leases.list({});
  if (left.length) await engine.poolApi.leases.release({ ids: left.map((l) => l.id) }).catch(() => undefined);
  await waitFor('leases gone', async () => engine.poolApi.leases.list({}).length === 0, 300_000, 1000).catch(() => undefined);
  await engine.call('pools.delete', { os: OS }).catch(() => undefined);
  await server?.close();
  await te.dispose();
  for (const h of hosts) await sshRun(h, `for d in $(virsh list --all --name | grep -- '-${tag}'); do virsh destroy "$d" >/dev/null 2>&1; virsh undefine "$d" >/dev/null 2>&1; done; for v in $(virsh vol-list default | awk '{print $1}' | grep -- '${tag}'); do virsh vol-delete --pool default "$v" >/dev/null 2>&1; done; true`).catch(() => undefined);
  release();
}
console.log(JSON.stringify(out));
