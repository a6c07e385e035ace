/**
 * bench:metrics (issue 8). 1,000 domains across the lab (mx-bench-NNNN defined here, removed after;
 * plus a few running guests), then:
 *  - lab_round_*: real sampling rounds, one bulk stats call per host (running domains), engine CPU
 *    (process.cpuUsage around the round: XDR decode, rate math, store buffering) and wall time;
 *  - lab_all_domains_cpu_ms: the same bulk call asked for every domain (1,000 records, mostly shut off);
 *  - round_cpu_ms: 1,000 *running* domains, which a TCG lab cannot run: the stats records of the lab's
 *    running guests are cloned to 1,000, encoded as libvirt's reply and pushed through decode, rates
 *    and storage exactly as a live round would;
 *  - bytes_per_vm_day: one simulated day of 5-second samples for 50 VMs (each with a disk and a NIC)
 *    in a real SQLite file, measured with dbstat per table;
 *  - query_7d_ms / query_7d_fleet_ms: a 7-day chart (1-minute rollups) for one VM and the fleet totals.
 * Prints one JSON object as its last line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SERIES, type MetricValues } from '../../engine/contract/metrics';
import { openHostLibvirt, type HostLibvirt } from '../../engine/hosts/host-libvirt';
import * as D from '../../engine/libvirt/protocol/domain';
import { GetAllDomainStatsFlag } from '../../engine/libvirt/protocol/flags';
import { XdrReader, XdrWriter } from '../../engine/libvirt/xdr';
import { silentLogger } from '../../engine/logger';
import { HostSampler, RoundComputer, STATS_GROUPS } from '../../engine/metrics/host-sampler';
import { MetricsService } from '../../engine/metrics/metrics-service';
import { SshPool, type HostKeyStore, type PinnedKey } from '../../engine/ssh';
import { Db } from '../../engine/store/db';
import { sshRun, testGuestXml, type LabHost, type LabInfo } from '../lab/lab-info';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('metrics');
const DOMAINS = Number(process.env.BENCH_DOMAINS ?? 1000);
const RUNNING_PER_HOST = 2;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SIM_VMS = 50;

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

function benchXml(name: string): string {
  return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/${name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><source network='default'/><model type='virtio'/></interface><memballoon model='virtio'/></devices></domain>`;
}

/** Defines `count` domains on a host in one ssh call and one virsh session. */
async function defineMany(h: LabHost, names: string[]): Promise<void> {
  let script = 'set -e; d=$(mktemp -d); cd "$d"\n';
  for (const n of names) script += `cat > ${n}.xml <<'XML'\n${benchXml(n)}\nXML\n`;
  script += `ls *.xml | sed 's/^/define /' | virsh -q >/dev/null\ncd /; rm -rf "$d"\n`;
  await sshRun(h, 'sh -s', { input: script, timeoutMs: 600_000 });
}

async function removeAll(lab: LabInfo): Promise<void> {
  await Promise.all(
    lab.hosts.slice(0, 2).map((h) =>
      sshRun(h, `for d in $(virsh list --all --name | grep '^mx-b'); do virsh destroy "$d" >/dev/null 2>&1; virsh undefine "$d" >/dev/null 2>&1; done; rm -f /var/lib/libvirt/images/mx-brun-*.qcow2; true`, { timeoutMs: 600_000 }).catch((e: unknown) => log(`cleanup on ${h.name}: ${String(e)}`)),
    ),
  );
}

function labKeyStore(): HostKeyStore {
  const pins = new Map<string, PinnedKey>();
  return { get: async (ref) => pins.get(ref.endpoint), pin: async (ref, key) => void pins.set(ref.endpoint, key) };
}

async function tempDb(name: string): Promise<{ db: Db; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mx-bench-${name}-`));
  return { db: await Db.open(path.join(dir, 'hangar.db')), dir };
}

/** Real rounds against the lab. */
async function labRounds(lab: LabInfo, hosts: LabHost[]) {
  const configText = hosts.map((h) => `Host ${h.address}\n  User ${h.user}\n  IdentityFile ${h.keyPath}\n  IdentitiesOnly yes\n`).join('');
  const pool = new SshPool({ hostKeys: labKeyStore(), knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText } });
  const links: HostLibvirt[] = await Promise.all(hosts.map((h) => openHostLibvirt(pool.connection(h.name, { address: h.address, user: h.user, port: h.sshPort }))));
  const { db, dir } = await tempDb('lab');
  const svc = new MetricsService({ db, logger: silentLogger, intervalSec: () => 5, vmCount: () => DOMAINS / hosts.length, migrating: () => [], publish: () => undefined });
  await svc.init();
  const samplers = links.map((l, i) => new HostSampler(hosts[i]!.name, l.conn, { vmCount: () => DOMAINS / hosts.length, migrating: () => [] }, () => 5000, (r) => svc.store.add(r.at, r.entities), () => undefined));
  const cpu: number[] = [];
  const wall: number[] = [];
  let running = 0;
  for (let i = 0; i <= RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rounds = await Promise.all(samplers.map((s) => s.round()));
    if (i > 0) {
      cpu.push(cpuMs(process.cpuUsage(c0)));
      wall.push(performance.now() - t0);
    }
    running = rounds.reduce((a, r) => a + (r.host[4] ?? 0), 0);
    await new Promise((r) => setTimeout(r, 1000));
  }
  // The same bulk call for every domain, running or not.
  const allCpu: number[] = [];
  let allRecords = 0;
  const computers = links.map((_, i) => new RoundComputer(hosts[i]!.name, 2));
  for (let i = 0; i <= RUNS; i++) {
    const c0 = process.cpuUsage();
    const recs = await Promise.all(links.map((l) => l.conn.rpc.call(D.connectGetAllDomainStats, { doms: [], stats: STATS_GROUPS, flags: 0 })));
    recs.forEach((r, k) => computers[k]!.compute(Date.now(), r, null, null, [], r.length));
    if (i > 0) allCpu.push(cpuMs(process.cpuUsage(c0)));
    allRecords = recs.reduce((a, r) => a + r.length, 0);
  }
  // Records of the running guests, to clone for the 1,000-running replay.
  const runningRecs = (await Promise.all(links.map((l) => l.conn.rpc.call(D.connectGetAllDomainStats, { doms: [], stats: STATS_GROUPS, flags: GetAllDomainStatsFlag.ACTIVE })))).flat();
  await svc.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await Promise.all(links.map((l) => l.conn.close()));
  await pool.closeAll();
  return { cpu: median(cpu), wall: median(wall), running, allCpu: median(allCpu), allRecords, runningRecs };
}

/** 1,000 running-domain records through decode, rates and the store, as one live round. */
async function replayRounds(template: D.DomainStatsRecord[]) {
  const richest = [...template].sort((a, b) => b.params.length - a.params.length)[0]!;
  const make = (k: number): Buffer => {
    const recs: D.DomainStatsRecord[] = Array.from({ length: DOMAINS }, (_, i) => ({
      dom: { ...richest.dom, name: `mx-replay-${i}`, uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
      params: richest.params.map((p) => (p.type === 4 || p.type === 3 ? { ...p, value: p.value + k * 1000 * (i + 1) } : p)),
    }));
    const w = new XdrWriter(1 << 20);
    D.connectGetAllDomainStats.ret.encode(w, recs);
    return w.finish();
  };
  const { db, dir } = await tempDb('replay');
  const svc = new MetricsService({ db, logger: silentLogger, intervalSec: () => 5, vmCount: () => DOMAINS, migrating: () => [], publish: () => undefined });
  await svc.init();
  const comp = new RoundComputer('replay', 16);
  const cpu: number[] = [];
  for (let k = 0; k <= RUNS + 1; k++) {
    const buf = make(k);
    const c0 = process.cpuUsage();
    const recs = D.connectGetAllDomainStats.ret.decode(new XdrReader(buf));
    const out = comp.compute(Date.now() + k * 5000, recs, { user: k * 1e9, kernel: k * 1e9, idle: k * 1e10, iowait: 0 }, { total: 1 << 24, free: 1 << 23 }, [], DOMAINS);
    svc.store.add(out.at, out.entities);
    if (k > 1) cpu.push(cpuMs(process.cpuUsage(c0)));
  }
  const params = richest.params.length;
  await svc.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { cpu: median(cpu), params };
}

/** A simulated day for SIM_VMS VMs, then six more days of minute rollups, then chart queries. */
async function storageAndQueries() {
  const { db, dir } = await tempDb('store');
  const t0 = Date.UTC(2026, 0, 1);
  let now = t0;
  const svc = new MetricsService({ db, logger: silentLogger, intervalSec: () => 5, vmCount: () => SIM_VMS, migrating: () => [], publish: () => undefined, now: () => now });
  await svc.init();
  // A plausible fleet: CPU wanders, memory size is constant and use drifts, no guest swap stats,
  // disks write in bursts a fifth of the time, NICs trickle. (Seeded, so runs compare.)
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const state = Array.from({ length: SIM_VMS }, () => ({ cpu: rnd() * 40, mem: 2e8 + rnd() * 5e8 }));
  const ents = (): MetricValues[] => {
    const out: MetricValues[] = [];
    for (let i = 0; i < SIM_VMS; i++) {
      const s = state[i]!;
      s.cpu = Math.min(100, Math.max(0, s.cpu + (rnd() - 0.5) * 10));
      s.mem = Math.max(1e8, s.mem + (rnd() - 0.5) * 1e6);
      const burst = rnd() < 0.2;
      const wr = burst ? rnd() * 5e7 : 0;
      const wops = burst ? rnd() * 500 : 0;
      const rx = rnd() * 2e4;
      const tx = rnd() * 1e4;
      const id = `sim:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      out.push({ key: `vm:${id}`, kind: 'vm', label: `vm-${i}`, values: [s.cpu, s.cpu / 8, s.mem, 1073741824, null, null, 0, 0, wr, 0, wops, rx, tx, Math.round(rx / 300), Math.round(tx / 300)] });
      out.push({ key: `disk:${id}/vda`, kind: 'disk', label: 'vda', values: [0, wr, 0, wops] });
      out.push({ key: `nic:${id}/vnet${i}`, kind: 'nic', label: `vnet${i}`, values: [rx, tx, Math.round(rx / 300), Math.round(tx / 300)] });
    }
    return out;
  };
  const simStart = performance.now();
  const flushCpu: number[] = [];
  for (let m = 0; m < 1440; m++) {
    for (let s = 0; s < 12; s++) {
      now = t0 + m * 60_000 + s * 5000;
      svc.store.add(now, ents());
    }
    now = t0 + (m + 1) * 60_000;
    const c0 = process.cpuUsage();
    await svc.store.flush();
    flushCpu.push(cpuMs(process.cpuUsage(c0)));
  }
  log(`simulated one day for ${SIM_VMS} VMs in ${round((performance.now() - simStart) / 1000)} s`);
  await db.run('VACUUM');
  const sizes = await db.all<{ name: string; bytes: number }>("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name LIKE 'metric%' GROUP BY name");
  const by = Object.fromEntries(sizes.map((s) => [s.name, s.bytes]));
  const perVm = (name: string) => (by[name] ?? 0) / SIM_VMS;
  const raw = perVm('metric_raw');
  const m1 = perVm('metric_1m');
  const h1 = perVm('metric_1h');

  const q = async (target: Parameters<MetricsService['query']>[0], spanMs: number, res: string) => {
    const xs: number[] = [];
    let points = 0;
    for (let i = 0; i <= RUNS * 2; i++) {
      const s = performance.now();
      const r = await svc.query(target, now - spanMs, undefined, 720);
      if (i > 0) xs.push(performance.now() - s);
      points = r.groups[0]?.t.length ?? 0;
      if (r.resolution !== res) throw new Error(`query used ${r.resolution}, expected ${res}`);
    }
    return { ms: median(xs), points };
  };
  const vm7 = { kind: 'vm' as const, vmId: 'sim:00000000-0000-4000-8000-000000000007' };
  // A 3-hour chart of raw samples, at the end of the simulated day.
  const vm3h = await q(vm7, 3 * 3_600_000 - 60_000, 'raw');

  // Six more days of minute and hour rollups (direct rows: the same encoding the store writes).
  const ids = await db.all<{ id: number; kind: string }>('SELECT id, kind FROM metric_entity');
  const sample = await db.all<{ entity: number; data: Uint8Array }>('SELECT entity, data FROM metric_1m WHERE t = ?', [t0 / 1000]);
  const blobOf = new Map(sample.map((s) => [s.entity, s.data]));
  // The fleet entity gets a week as well.
  now = t0 + 86_400_000;
  svc.fleetRound();
  await svc.store.flush();
  const fleetId = (await db.get<{ id: number }>("SELECT id FROM metric_entity WHERE key = 'fleet'"))!.id;
  const fleetBlob = new Uint8Array(new Float32Array(SERIES.fleet.length * 2).fill(1).buffer);
  for (let day = 1; day < 7; day++) {
    const st: { sql: string; params: (number | Uint8Array)[] }[] = [];
    for (let m = 0; m < 1440; m++) {
      const t = t0 / 1000 + day * 86_400 + m * 60;
      for (const e of ids) st.push({ sql: 'INSERT OR REPLACE INTO metric_1m(entity, t, data) VALUES (?, ?, ?)', params: [e.id, t, blobOf.get(e.id) ?? fleetBlob] });
      if (m % 60 === 0) for (const e of ids) st.push({ sql: 'INSERT OR REPLACE INTO metric_1h(entity, t, data) VALUES (?, ?, ?)', params: [e.id, t, blobOf.get(e.id) ?? fleetBlob] });
    }
    for (let i = 0; i < st.length; i += 20_000) await db.batch(st.slice(i, i + 20_000));
  }
  await db.run('INSERT OR REPLACE INTO metric_1m(entity, t, data) SELECT ?, t, ? FROM metric_1m WHERE entity = ?', [fleetId, fleetBlob, ids[0]!.id]);
  await db.run('INSERT OR REPLACE INTO metric_1h(entity, t, data) SELECT ?, t, ? FROM metric_1h WHERE entity = ?', [fleetId, fleetBlob, ids[0]!.id]);
  now = t0 + 7 * 86_400_000 - 1000;
  // The engine writes a fleet minute every minute it runs: one at "now" brings the store's clock along.
  svc.fleetRound();
  await svc.store.flush();
  const vmQ = await q(vm7, 7 * 86_400_000, '1h');
  const fleetQ = await q({ kind: 'fleet' }, 7 * 86_400_000, '1h');
  const vm2d = await q(vm7, 2 * 86_400_000, '1m');
  const top = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await svc.top('cpu', 3600, 10);
    top.push(performance.now() - s);
  }
  await svc.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { raw, m1, h1, vmQ, fleetQ, vm2d, vm3h, top1h: median(top), flushCpu: median(flushCpu) };
}

async function main() {
  const { lab, release } = ensureLab(log, 2);
  const hosts = lab.hosts.slice(0, 2);
  const per = Math.ceil(DOMAINS / hosts.length);
  log(`defining ${DOMAINS} mx-bench domains and ${RUNNING_PER_HOST * hosts.length} running guests on ${hosts.map((h) => h.name).join(', ')}`);
  await removeAll(lab);
  try {
    const t = performance.now();
    await Promise.all(hosts.map((h, hi) => defineMany(h, Array.from({ length: per - RUNNING_PER_HOST }, (_, i) => `mx-bench-${hi}-${String(i).padStart(4, '0')}`))));
    for (const h of hosts) {
      for (let i = 0; i < RUNNING_PER_HOST; i++) {
        const n = `mx-brun-${h.name}-${i}`;
        await sshRun(h, `qemu-img create -q -f qcow2 /var/lib/libvirt/images/${n}.qcow2 64M`);
        await sshRun(h, 'f=$(mktemp) && cat > "$f" && virsh create "$f" >/dev/null; rc=$?; rm -f "$f"; exit $rc', { input: testGuestXml({ name: n, disk: `/var/lib/libvirt/images/${n}.qcow2`, memoryMiB: 96, lab }) });
      }
    }
    log(`defined in ${round((performance.now() - t) / 1000)} s; letting the guests boot`);
    await new Promise((r) => setTimeout(r, 10_000));
    const labR = await labRounds(lab, hosts);
    log(`lab rounds: ${labR.running} running, ${labR.allRecords} records in the all-domains call`);
    const replay = await replayRounds(labR.runningRecs);
    const store = await storageAndQueries();
    const result = {
      bench: 'metrics',
      domains: labR.allRecords,
      running_in_lab: labR.running,
      round_cpu_ms: round(replay.cpu),
      round_cpu_note: `${DOMAINS} running-domain records (${replay.params} stats each, cloned from lab guests) decoded, rated and stored`,
      lab_round_cpu_ms: round(labR.cpu),
      lab_round_wall_ms: round(labR.wall),
      lab_all_domains_cpu_ms: round(labR.allCpu),
      bytes_per_vm_day: Math.round(store.raw + store.m1 + store.h1),
      bytes_per_vm_day_raw: Math.round(store.raw),
      bytes_per_vm_day_1m: Math.round(store.m1),
      bytes_per_vm_day_1h: Math.round(store.h1),
      steady_bytes_per_vm: Math.round(store.raw + 7 * store.m1 + 365 * store.h1),
      query_7d_ms: round(store.vmQ.ms),
      query_7d_points: store.vmQ.points,
      query_7d_fleet_ms: round(store.fleetQ.ms),
      query_2d_1m_ms: round(store.vm2d.ms),
      query_3h_raw_ms: round(store.vm3h.ms),
      minute_flush_cpu_ms_50_vms: round(store.flushCpu),
      top_1h_ms_50_vms: round(store.top1h),
      runs: RUNS,
      accel: lab.accel,
    };
    console.log(JSON.stringify(result));
  } finally {
    await removeAll(lab);
    release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
