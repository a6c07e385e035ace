/**
 * bench:inventory (issue 5): Hangar's fleet inventory against the lab, beside the two peer ways.
 * Lab: 3 hosts × 300 defined domains (brought up here unless one is already up, then left as is).
 * Prints one JSON object as its last line.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { openHostLibvirt, type HostLibvirt } from '../../engine/hosts/host-libvirt';
import { fetchHostInventory, type ParseCache } from '../../engine/inventory/fetch-inventory';
import { SshPool, type HostKeyStore, type PinnedKey } from '../../engine/ssh';
import type { LabInfo } from '../lab/lab-info';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('inventory');
const HOSTS = 3;
const PER_HOST = 300;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SAMPLE = 30;



/** Pins come from the lab's record of its own host keys: the bench trusts what the lab made. */
function labKeyStore(): HostKeyStore {
  const pins = new Map<string, PinnedKey>();
  return { get: async (ref) => pins.get(ref.endpoint), pin: async (ref, key) => void pins.set(ref.endpoint, key) };
}

/** A cold run starts with nothing: new connections, empty parse caches. */
async function hangarCold(lab: LabInfo): Promise<{ ms: number; domains: number; pool: SshPool; links: HostLibvirt[]; caches: ParseCache[] }> {
  const configText = lab.hosts.map((h) => `Host ${h.address}\n  User ${h.user}\n  IdentityFile ${h.keyPath}\n  IdentitiesOnly yes\n`).join('');
  const pool = new SshPool({ hostKeys: labKeyStore(), knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText } });
  const t0 = performance.now();
  const results = await Promise.all(
    lab.hosts.slice(0, HOSTS).map(async (h) => {
      const ssh = pool.connection(h.name, { address: h.address, user: h.user, port: h.sshPort });
      const link = await openHostLibvirt(ssh);
      const cache: ParseCache = new Map();
      const inv = await fetchHostInventory(link.conn, cache);
      return { link, cache, n: inv.domains.length };
    }),
  );
  const ms = performance.now() - t0;
  return { ms, domains: results.reduce((a, r) => a + r.n, 0), pool, links: results.map((r) => r.link), caches: results.map((r) => r.cache) };
}

/** A warm run, as the engine's reconcile does it: open connections, every XML fetched again. */
async function hangarWarm(links: HostLibvirt[], caches: ParseCache[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(links.map((l, i) => fetchHostInventory(l.conn, caches[i])));
  return performance.now() - t0;
}

const virshUri = (lab: LabInfo, h: LabInfo['hosts'][number]) =>
  `qemu+ssh://${h.user}@${h.address}/system?keyfile=${encodeURIComponent(h.keyPath)}&no_verify=1`;

function virsh(uri: string, command: string): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('virsh', ['-q', '-c', uri, command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - t0, out }) : reject(new Error(`virsh ${command.slice(0, 40)}…: ${err}`))));
  });
}

/** The libvirt-API tool's way: one session per host, list then every dumpxml in sequence. */
async function virshSession(lab: LabInfo, names: string[][]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    lab.hosts.slice(0, HOSTS).map((h, i) => virsh(virshUri(lab, h), ['list --all --name', ...names[i]!.map((n) => `dumpxml ${n}`)].join(' ; '))),
  );
  return performance.now() - t0;
}

async function main() {
  const { lab, release } = ensureLab(log, HOSTS, PER_HOST);
  try {
    const hosts = lab.hosts.slice(0, HOSTS);
    const names = await Promise.all(hosts.map(async (h) => (await virsh(virshUri(lab, h), 'list --all --name')).out.split('\n').map((s) => s.trim()).filter(Boolean)));
    const total = names.reduce((a, n) => a + n.length, 0);
    log(`${total} domains on ${hosts.length} hosts; ${RUNS} runs after a warm-up`);

    const cold: number[] = [];
    let warmLinks: { pool: SshPool; links: HostLibvirt[]; caches: ParseCache[] } | null = null;
    let counted = 0;
    for (let i = 0; i <= RUNS; i++) {
      const r = await hangarCold(lab);
      counted = r.domains;
      if (i > 0) cold.push(r.ms);
      if (i < RUNS) {
        await Promise.all(r.links.map((l) => l.conn.close()));
        await r.pool.closeAll();
      } else warmLinks = r;
    }
    const warm: number[] = [];
    for (let i = 0; i <= RUNS * 2; i++) {
      const ms = await hangarWarm(warmLinks!.links, warmLinks!.caches);
      if (i > 0) warm.push(ms);
    }
    await Promise.all(warmLinks!.links.map((l) => l.conn.close()));
    await warmLinks!.pool.closeAll();

    const session: number[] = [];
    for (let i = 0; i <= Math.min(RUNS, 3); i++) {
      const ms = await virshSession(lab, names);
      if (i > 0) session.push(ms);
    }
    const perProcess: number[] = [];
    const sample = names[0]!.slice(0, SAMPLE);
    await virsh(virshUri(lab, hosts[0]!), `dumpxml ${sample[0]}`); // warm-up
    for (const n of sample) perProcess.push((await virsh(virshUri(lab, hosts[0]!), `dumpxml ${n}`)).ms);

    const result = {
      bench: 'inventory',
      hosts: hosts.length,
      domains: counted,
      cold_ms: round(median(cold)),
      warm_ms: round(median(warm)),
      virsh_session_ms: round(median(session)),
      virsh_per_process_ms_per_domain: round(median(perProcess)),
      ratio: round(median(session) / median(warm)),
      runs: RUNS,
      accel: lab.accel,
    };
    console.log(JSON.stringify(result));
  } finally {
    release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
