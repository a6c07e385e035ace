/**
 * bench:metrics (issue 8). 1,000 domains across the lab (mx-bench-NNNN defined here, removed after;
 * plus a few running guests), then:
 *  - lab_round_*: real sampling rounds, one bulk stats call per host (running domains), engine CPU
 *    (process.cpuUsage around the round: XDR decode, rate math, store buffering) and wall time;
 *  - lab_all_domains_cpu_ms: the same bulk call asked for every domain (1,000 records, mostly shut off);
 *  - round_cpu_ms: 1,000 *running* domains, which a TCG lab cannot run: the stats records of the lab's
 *    running guests are cloned to 1,000, encoded as libvirt's reply and pushed through decode, rates
 *    and storage exactly as a live round would;
 *  - bytes_per_sample, steady_mb_per_vm: eight simulated days of 5-second samples for 50 VMs (each
 *    with a disk and a NIC) through the store in a real SQLite file, measured with dbstat per table
 *    after VACUUM (BENCH_STORE_ONLY=1 runs this part alone, without the lab);
 *  - query_7d_ms / query_7d_fleet_ms: a 7-day chart (1-minute rollups) for one VM and the fleet totals.
 * Prints one JSON object as its last line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetricValues } from '../../engine/contract/metrics';
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
const SIM_VMS = Number(process.env.BENCH_SIM_VMS ?? 50);
/** Days simulated through the store: from the second on, the raw table is at its steady state (24 h). */
const SIM_DAYS = Number(process.env.BENCH_SIM_DAYS ?? 2);

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

/**
 * The real steady state (issue 20): SIM_DAYS simulated days of 5-second samples for SIM_VMS VMs
 * through the store (minute chunks, hourly and daily merges and pruning all as in the engine). The
 * raw table is then what a user's file holds (a day, pruned); the minute week and the hourly year
 * are the measured bytes per day of those tables times 7 and 366 (both hold every simulated day,
 * merged). Sizes are dbstat page totals after VACUUM.
 */
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
  const simCpu0 = process.cpuUsage();
  const flushCpu: number[] = [];
  const flushWall: number[] = [];
  const hourWall: number[] = [];
  for (let m = 0; m < SIM_DAYS * 1440; m++) {
    for (let s = 0; s < 12; s++) {
      now = t0 + m * 60_000 + s * 5000;
      svc.store.add(now, ents());
    }
    // The fleet's minute too: the engine writes one every minute it runs.
    svc.fleetRound();
    now = t0 + (m + 1) * 60_000;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await svc.store.flush();
    // Engine-thread CPU of closing a minute (the encoding is the worker's), and its wall time.
    if ((m + 1) % 60 === 0) hourWall.push(performance.now() - w0);
    else {
      flushCpu.push(cpuMs(process.cpuUsage(c0)));
      flushWall.push(performance.now() - w0);
    }
    if ((m + 1) % 1440 === 0) log(`simulated day ${(m + 1) / 1440} of ${SIM_DAYS} (${round((performance.now() - simStart) / 1000)} s)`);
  }
  // Process CPU (the engine's thread and the SQLite worker) per simulated minute of 50 VMs.
  const simCpu = cpuMs(process.cpuUsage(simCpu0));
  await db.run('VACUUM');
  const sizes = await db.all<{ name: string; bytes: number; payload: number; rows: number }>(
    "SELECT name, sum(pgsize) AS bytes, sum(payload) AS payload, sum(ncell) AS rows FROM dbstat WHERE name LIKE 'metric%' GROUP BY name",
  );
  const by = Object.fromEntries(sizes.map((s) => [s.name, s.bytes]));
  // Pages against the chunk bytes they hold (issue 20: where the bytes go).
  const pages = Object.fromEntries(sizes.map((s) => [s.name, { bytes: s.bytes, chunkBytes: s.payload, pagesPerChunkByte: round(s.bytes / Math.max(1, s.payload), 3) }]));
  const perVm = (name: string) => (by[name] ?? 0) / SIM_VMS;
  // Samples the raw table holds: every stored value, and those reported (not null).
  const ids = (await db.all<{ id: number }>('SELECT id FROM metric_entity')).map((r) => r.id);
  const rows = await db.chunks<{ values: Float64Array }[]>({ op: 'chunkRead', tier: 'raw', ids, fromMs: 0, toMs: now + 1 });
  let slots = 0;
  let reported = 0;
  for (const r of rows) {
    slots += r.values.length;
    for (const v of r.values) if (!Number.isNaN(v)) reported++;
  }
  const rawBytes = by.metric_raw ?? 0;

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
  const vm3h = await q(vm7, 3 * 3_600_000 - 60_000, 'raw');
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
  return {
    raw: perVm('metric_raw'),
    m1Day: perVm('metric_1m') / SIM_DAYS,
    h1Day: perVm('metric_1h') / SIM_DAYS,
    cpuPerSimMinute: simCpu / (SIM_DAYS * 1440),
    bytesPerSample: rawBytes / reported,
    bytesPerSlot: rawBytes / slots,
    reported,
    slots,
    vmQ,
    fleetQ,
    vm2d,
    vm3h,
    top1h: median(top),
    flushCpu: median(flushCpu),
    flushWall: median(flushWall),
    hourWall: median(hourWall),
    pages,
  };
}

async function main() {
  if (process.env.BENCH_STORE_ONLY) {
    // The storage half alone (no lab): for working on the store; the full run prints the same keys.
    console.log(JSON.stringify({ bench: 'metrics', store_only: true, ...(await storageAndQueries()) }));
    return;
  }
  // The shared lab is 3 hosts (test/lab: asking for another size waits for every other holder to
  // leave, then rebuilds it); this bench uses the first two.
  const { lab, release } = ensureLab(log, 3);
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
      bytes_per_sample: round(store.bytesPerSample, 3),
      bytes_per_sample_note: `raw table bytes (dbstat, after VACUUM) / the ${store.reported} reported values it holds (${round(store.bytesPerSlot, 3)} per value slot, unreported series included: ${store.slots})`,
      steady_mb_per_vm: round((store.raw + 7 * store.m1Day + 366 * store.h1Day) / 1e6, 3),
      steady_bytes_per_vm: Math.round(store.raw + 7 * store.m1Day + 366 * store.h1Day),
      steady_bytes_per_vm_raw_day: Math.round(store.raw),
      steady_bytes_per_vm_1m_week: Math.round(7 * store.m1Day),
      steady_bytes_per_vm_1h_year: Math.round(366 * store.h1Day),
      sim: `${SIM_VMS} VMs (each a VM, a disk and a NIC entity: 26 series), ${SIM_DAYS} days of 5 s samples through the store`,
      query_7d_ms: round(store.vmQ.ms),
      query_7d_points: store.vmQ.points,
      query_7d_fleet_ms: round(store.fleetQ.ms),
      query_2d_1m_ms: round(store.vm2d.ms),
      query_3h_raw_ms: round(store.vm3h.ms),
      minute_flush_cpu_ms_50_vms: round(store.flushCpu, 2),
      minute_flush_wall_ms_50_vms: round(store.flushWall, 2),
      hour_end_wall_ms_50_vms: round(store.hourWall, 1),
      sim_cpu_ms_per_minute_50_vms: round(store.cpuPerSimMinute, 1),
      top_1h_ms_50_vms: round(store.top1h),
      pages: store.pages,
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
