/**
 * bench:gather (issues 9, 20): Hangar's diagnostics bundle of the lab's hosts against `sos report`
 * with only its libvirt, virsh and kvm plugins, run on each host in the same run. Reports the wall
 * time of each (median of BENCH_RUNS after a warm-up) and which files sos collected that Hangar's
 * bundle lacks, at two sizes: the lab as it is (2 hosts), then with 500 more domains defined on each
 * host (BENCH_PER_HOST; BENCH_RUNS_LARGE runs, default 1). The domains are this benchmark's own,
 * named gather-bench-NNNN, defined through one virsh session per host and undefined afterwards,
 * also when it fails. BENCH_SIZES=lab or =large runs one size. Prints one JSON object last.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GatherResult } from '../../engine/contract';
import { createEngine, type Engine } from '../../engine/engine';
import { readTarGz } from '../../engine/diagnostics/bundle/tar';
import { isForbidden } from '../../engine/diagnostics/gather/redact';
import { silentLogger } from '../../engine/logger';
import { aesGcmCipher } from '../../engine/secrets/key-cipher';
import { LAB_DIR, sshExec, type LabHost } from '../lab/lab-info';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('gather');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RUNS_LARGE = Number(process.env.BENCH_RUNS_LARGE ?? 1);
const PER_HOST = Number(process.env.BENCH_PER_HOST ?? 500);
const SIZES = (process.env.BENCH_SIZES ?? 'lab,large').split(',');
const PREFIX = 'gather-bench-';
const round2 = (x: number) => round(x, 2);

/** This benchmark's domains on a host: defined in one virsh session, each with a disk (one shared image). */
async function defineDomains(h: LabHost, dir: string, count: number): Promise<void> {
  let script = '';
  for (let n = 1; n <= count; n++) {
    const name = `${PREFIX}${String(n).padStart(4, '0')}`;
    const file = path.join(dir, `${h.name}-${name}.xml`);
    fs.writeFileSync(
      file,
      `<domain type='qemu'><name>${name}</name><description>Defined by bench:gather, undefined when it ends.</description><memory unit='MiB'>64</memory><vcpu>1</vcpu>` +
        `<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${dir}/seed.qcow2'/><target dev='vda' bus='virtio'/></disk>` +
        `<interface type='network'><source network='default'/><model type='virtio'/></interface><graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/></devices></domain>`,
    );
    script += `define ${file}\n`;
  }
  const r = await sshExec(h, 'virsh -q -c qemu:///system', { input: script, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`defining ${count} domains on ${h.name} failed: ${r.stderr}`);
}

/** Undefines every domain with this benchmark's prefix (left over from an earlier run too), in one virsh session. */
async function undefineDomains(h: LabHost): Promise<number> {
  const names = (await sshExec(h, 'virsh -q -c qemu:///system list --all --name', { timeoutMs: 120_000 })).stdout.split('\n').filter((n) => n.startsWith(PREFIX) && /^[a-z0-9-]+$/.test(n));
  if (names.length > 0) await sshExec(h, 'virsh -q -c qemu:///system', { input: names.map((n) => `undefine ${n}\n`).join(''), timeoutMs: 600_000 });
  return names.length;
}


async function gather(engine: Engine, out: string): Promise<{ s: number; result: GatherResult }> {
  const t0 = performance.now();
  const { jobId } = await engine.call('diagnostics.gather', { since: '24h', outputDir: out });
  for (;;) {
    const j = await engine.call('jobs.get', { jobId });
    if (j.state === 'succeeded') return { s: (performance.now() - t0) / 1000, result: j.result as GatherResult };
    if (j.state === 'failed' || j.state === 'cancelled') throw new Error(`gather ${j.state}: ${j.error?.message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** sos report on one host (inside its namespaces), building an uncompressed tree in `dir`. */
function sosOn(h: LabHost, dir: string): Promise<{ s: number; tree: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [path.join(LAB_DIR, 'scripts', 'host.sh'), 'exec', h.name, 'sos', 'report', '--batch', '--only-plugins', 'libvirt,virsh,kvm', '--tmp-dir', dir, '--build', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      const tree = fs.readdirSync(dir).find((n) => n.startsWith('sosreport-'));
      if (code !== 0 || !tree) return reject(new Error(`sos report on ${h.name} failed (${code}): ${out}`));
      resolve({ s: (performance.now() - t0) / 1000, tree: path.join(dir, tree) });
    });
  });
}

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : e.isFile() ? [path.relative(base, p)] : [];
  });
}

/**
 * Where Hangar keeps what sos put in one file: copied files under files/, commands under the
 * names of 003b §3.2's layout, /proc/<pid>/… of libvirt's processes in vms/<vm>/process.txt or
 * procs/ (as sections). Returns null when Hangar has it, or why not.
 */
function findInHangar(sosPath: string, hostDir: string, bundle: Map<string, Buffer>, domainByName: (n: string) => string): string | null {
  const has = (p: string) => bundle.has(`${hostDir}/${p}`);
  const anyContains = (needle: string) => [...bundle].some(([p, b]) => p.startsWith(`${hostDir}/`) && b.includes(needle));
  let m: RegExpExecArray | null;
  if ((m = /^proc\/(\d+)\/(\w+)$/.exec(sosPath))) {
    if (m[2] === 'environ') return 'left out on purpose: a process environment can carry secrets';
    return anyContains(`=== /proc/${m[1]}/${m[2]}\n`) ? null : 'missing';
  }
  if ((m = /^sos_commands\/virsh\/virsh_-r_(.+)$/.exec(sosPath))) {
    const c = m[1]!;
    const simple: Record<string, string> = {
      capabilities: 'capabilities.xml',
      domcapabilities: 'domcapabilities.xml',
      freecell: 'freecell.txt',
      'freecell_--all': 'freecell.txt',
      'list_--all': 'libvirt/list-all.txt',
      'net-list': 'libvirt/net-list.txt',
      'net-list_--all': 'libvirt/net-list.txt',
      'node-memory-tune': 'node-memory-tune.txt',
      nodeinfo: 'nodeinfo.txt',
      'nwfilter-list': 'libvirt/nwfilter-list.txt',
      'pool-list': 'libvirt/pool-list.txt',
      'pool-list_--all': 'libvirt/pool-list.txt',
      version: 'virsh-version.txt',
      sysinfo: 'sysinfo.xml',
      nodecpumap: 'nodecpumap.txt',
      'maxvcpus_kvm': 'maxvcpus-kvm.txt',
      'pool-capabilities': 'pool-capabilities.xml',
      'nodedev-list_--tree': 'nodedev-tree.txt',
    };
    if (simple[c]) return has(simple[c]) ? null : 'missing';
    if ((m = /^dumpxml_(.+)$/.exec(c))) return has(`libvirt/domains/${domainByName(m[1]!)}.xml`) ? null : 'missing';
    if ((m = /^(dominfo|domblklist)_(.+)$/.exec(c))) return has(`vms/${domainByName(m[2]!)}/${m[1]}.txt`) ? null : 'missing';
    if ((m = /^net-dumpxml_(.+)$/.exec(c))) return has(`libvirt/networks/${m[1]}.xml`) ? null : 'missing';
    if ((m = /^pool-dumpxml_(.+)$/.exec(c))) return has(`libvirt/pools/${m[1]}.xml`) ? null : 'missing';
    if ((m = /^nwfilter-dumpxml_(.+)$/.exec(c))) return bundle.get(`${hostDir}/libvirt/nwfilter-xml.txt`)?.includes(`=== ${m[1]}\n`) ? null : 'missing';
    if ((m = /^nodedev-dumpxml_(.+)$/.exec(c))) return bundle.get(`${hostDir}/libvirt/nodedev-xml.txt`)?.includes(`=== ${m[1]}\n`) ? null : 'missing';
    return 'missing';
  }
  if (/^sos_commands\/virsh\/taskset/.test(sosPath)) return anyContains('=== taskset\n') ? null : 'missing';
  if (sosPath === 'sos_commands/libvirt/ls_-lR_.var.lib.libvirt.qemu') return has('libvirt/var-lib-libvirt-qemu-ls.txt') ? null : 'missing';
  if (/^sos_commands\/libvirt\/klist/.test(sosPath)) return 'left out on purpose: reads the Kerberos keytab';
  if (/^sos_commands\/kvm\/kvm_stat/.test(sosPath)) return has('kvm_stat.txt') ? null : 'missing';
  if (/^sys\/module\/\w+\/srcversion$/.test(sosPath)) return bundle.get(`${hostDir}/kvm-srcversion.txt`)?.includes(`/${sosPath}:`) ? null : 'missing';
  if (isForbidden(`/${sosPath}`)) return 'left out on purpose: on sos\'s own forbidden list (secret)';
  return has(`files/${sosPath}`) ? null : 'missing';
}

interface SizeResult {
  size: string;
  hosts: number;
  domains_per_host: number;
  runs: number;
  hangar_s: number;
  sos_s: number;
  sos_per_host_s: Record<string, number>;
  ratio_hangar_to_sos: number;
  goal_met: boolean;
  hangar_bundle_bytes: number;
  hangar_files: number;
  sos_files: number;
  missing_from_hangar: string[];
  /** Files of domains that were not there when Hangar's gather ran (the lab is shared). */
  defined_after_hangar_ran: number;
  left_out_on_purpose: Array<{ path: string; why: string }>;
}

async function domainCount(h: LabHost): Promise<number> {
  return (await sshExec(h, 'virsh -q -c qemu:///system list --all --name', { timeoutMs: 120_000 })).stdout.split('\n').filter(Boolean).length;
}

/** Runs, alternating, Hangar's gather of both hosts and sos on both hosts; compares the last of each. */
async function measure(engine: Engine, hosts: LabHost[], dir: string, size: string, runs: number, warmUp: boolean): Promise<SizeResult> {
  const domainsPerHost = Math.round((await Promise.all(hosts.map(domainCount))).reduce((a, b) => a + b, 0) / hosts.length);
  if (warmUp) {
    log(`${size}: warm-up`);
    await gather(engine, path.join(dir, `warm-${size}`));
  }
  const hangar: number[] = [];
  const sos: number[] = [];
  const sosPerHost: Record<string, number[]> = Object.fromEntries(hosts.map((h) => [h.name, []]));
  let last: { bundle: GatherResult; trees: Map<string, string> } | null = null;
  for (let run = 0; run < runs; run++) {
    const out = path.join(dir, `${size}-run${run}`);
    fs.mkdirSync(out);
    const g = await gather(engine, out);
    hangar.push(g.s);
    const t0 = performance.now();
    const results = await Promise.all(
      hosts.map((h) => {
        const d = path.join(out, `sos-${h.name}`);
        fs.mkdirSync(d);
        return sosOn(h, d).then((r) => ({ h, ...r }));
      }),
    );
    sos.push((performance.now() - t0) / 1000);
    for (const r of results) sosPerHost[r.h.name]!.push(r.s);
    if (last) fs.rmSync(path.dirname(last.bundle.path), { recursive: true, force: true });
    last = { bundle: g.result, trees: new Map(results.map((r) => [r.h.name, r.tree])) };
    log(`${size} run ${run + 1}/${runs}: hangar ${g.s.toFixed(2)} s, sos ${sos[sos.length - 1]!.toFixed(2)} s`);
  }

  // What sos collected (last run) that Hangar's bundle of the same run lacks.
  const entries = await readTarGz(last!.bundle.path, 4 * 1024 * 1024 * 1024);
  const root = entries[0]!.name.split('/')[0]!;
  const bundle = new Map(entries.map((e) => [e.name.slice(root.length + 1), e.data]));
  const manifest = JSON.parse(bundle.get('manifest.json')!.toString('utf8')) as { items: Array<{ host: string | null; out: string; durationMs: number }> };
  const slowest = [...manifest.items].sort((a, b) => b.durationMs - a.durationMs).slice(0, 6);
  log(`${size}: slowest items: ${slowest.map((i) => `${i.out} ${i.durationMs} ms`).join(', ')}; ${manifest.items.length} items`);
  const missing: string[] = [];
  const onPurpose: Array<{ path: string; why: string }> = [];
  // The lab is shared: a domain someone defined after Hangar's run and before sos's is not a miss.
  const later: string[] = [];
  let sosFiles = 0;
  for (const h of hosts) {
    const tree = last!.trees.get(h.name)!;
    const hostDir = `hosts/${h.name}`;
    const safe = (n: string) => n.replace(/[^A-Za-z0-9._-]/g, '_');
    const known = new Set((JSON.parse(bundle.get(`${hostDir}/facts.json`)?.toString('utf8') ?? '{"domains":[]}') as { domains: Array<{ name: string }> }).domains.map((d) => d.name));
    for (const p of walk(tree)) {
      // sos's own bookkeeping (its logs, reports, manifest, environment) is not host data.
      if (/^(sos_logs|sos_reports|sos_strings)\//.test(p) || /^(version\.txt|environment|sos_commands\/[^/]+\/$)$/.test(p)) continue;
      sosFiles++;
      const why = findInHangar(p, hostDir, bundle, safe);
      if (why === null) continue;
      const dom = /^etc\/libvirt\/qemu\/([^/]+)\.xml$/.exec(p)?.[1] ?? /^sos_commands\/virsh\/virsh_-r_(?:dumpxml|dominfo|domblklist)_(.+)$/.exec(p)?.[1];
      if (why === 'missing' && dom !== undefined && !known.has(dom)) later.push(`${h.name}:/${p}`);
      else if (why === 'missing') missing.push(`${h.name}:/${p}`);
      else onPurpose.push({ path: `${h.name}:/${p}`, why });
    }
  }
  if (later.length > 0) log(`${size}: ${later.length} sos files of domains defined after Hangar's run (another user's), e.g. ${later[0]}`);
  const hangarS = median(hangar);
  const sosS = median(sos);
  fs.rmSync(path.dirname(last!.bundle.path), { recursive: true, force: true });
  return {
    size,
    hosts: hosts.length,
    domains_per_host: domainsPerHost,
    runs,
    hangar_s: round2(hangarS),
    sos_s: round2(sosS),
    sos_per_host_s: Object.fromEntries(Object.entries(sosPerHost).map(([k, v]) => [k, round2(median(v))])),
    ratio_hangar_to_sos: round2(hangarS / sosS),
    goal_met: hangarS <= 0.5 * sosS && missing.length === 0,
    hangar_bundle_bytes: last!.bundle.bytes,
    hangar_files: last!.bundle.files,
    sos_files: sosFiles,
    missing_from_hangar: missing,
    defined_after_hangar_ran: later.length,
    left_out_on_purpose: onPurpose,
  };
}

async function main(): Promise<void> {
  const { lab, release } = ensureLab(log, 2);
  const hosts = lab.hosts.slice(0, 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bench-gather-'));
  fs.chmodSync(dir, 0o755);
  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    secrets: aesGcmCipher(Buffer.alloc(32, 7), 'bench'),
    logger: silentLogger,
    runtime: 'in-process',
    localLibvirt: 'none',
    ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } },
  });
  let defined = false;
  const cleanUp = async (): Promise<void> => {
    if (!defined) return;
    defined = false;
    const n = await Promise.all(hosts.map(undefineDomains));
    log(`undefined ${n.join(' + ')} ${PREFIX}* domains`);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: cleaning up`);
    void cleanUp().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const h of hosts) await engine.call('hosts.add', { address: h.address, name: h.name, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint });
    for (let i = 0; i < 200 && (await engine.call('hosts.list', {})).hosts.some((h) => h.state !== 'connected'); i++) await new Promise((r) => setTimeout(r, 100));
    const sizes: SizeResult[] = [];
    if (SIZES.includes('lab')) sizes.push(await measure(engine, hosts, dir, 'lab', RUNS, true));
    if (SIZES.includes('large')) {
      defined = true;
      const left = await Promise.all(hosts.map(undefineDomains));
      if (left.some((n) => n > 0)) log(`removed ${left.join(' + ')} leftover ${PREFIX}* domains`);
      const t0 = performance.now();
      spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(dir, 'seed.qcow2'), '1G']);
      await Promise.all(hosts.map((h) => defineDomains(h, dir, PER_HOST)));
      log(`defined ${PER_HOST} ${PREFIX}* domains on each host in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, 5000)); // the engine's inventory takes in the new domains
      sizes.push(await measure(engine, hosts, dir, `${PER_HOST}-per-host`, RUNS_LARGE, false));
      await cleanUp();
    }
    console.log(JSON.stringify({ bench: 'gather', goal: 'hangar_s <= 0.5 * sos_s, missing_from_hangar empty', goal_met: sizes.every((x) => x.goal_met), sizes }));
  } finally {
    await cleanUp().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
    release();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
