/**
 * Where the cold inventory's time goes (issue 20), for working on it rather than for a figure:
 * an in-process engine adds PROF_HOSTS lab hosts (default 2) with PROF_PER_HOST (default 1000)
 * defined domains each, as bench:scale's cold path does, and this prints
 *
 *   - a timeline of the remote calls per host (SSH connect, exec, forwards, libvirt procedures):
 *     when each phase started and ended, relative to hosts.add;
 *   - the engine thread's event-loop delay (p50/p99/max) and its stall log;
 *   - with PROF_CPU=1, a CPU profile of the engine thread (written as a .cpuprofile) and its
 *     longest busy stretches, each with the functions that took it (self time and callers).
 *
 * PROF_KEEP=1 leaves the domains defined for the next run (and reuses them); otherwise they are
 * undefined at the end. Run: node scripts/run-ts.mjs test/bench/scale-profile.ts
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../../engine/engine';
import { RpcClient } from '../../engine/libvirt/rpc-client';
import { eventLoop } from '../../engine/perf/event-loop';
import { aesGcmCipher } from '../../engine/secrets/key-cipher';
import { SshConnection } from '../../engine/ssh';
import { WorkerPool } from '../../engine/perf/worker-pool';
import { HostRepo } from '../../engine/hosts/host-repo';
import { benchLog, ensureLab } from './bench-kit';
import { defineBulk, undefineBulk } from './bulk-domains';

const log = benchLog('scale-profile');
const HOSTS = Number(process.env.PROF_HOSTS ?? 2);
const PER_HOST = Number(process.env.PROF_PER_HOST ?? 1000);
const CPU = process.env.PROF_CPU === '1';
const KEEP = process.env.PROF_KEEP === '1';
const PREFIX = 'evloop2-pf';
const INTERVAL_US = 500;

// --- the call timeline ---------------------------------------------------------------------------

interface Span {
  who: string;
  what: string;
  t0: number;
  t1: number;
}
const spans: Span[] = [];
let origin = 0;
const rpcNames = new WeakMap<object, string>();
let rpcCount = 0;

function timed<T>(who: string, what: string, p: Promise<T>): Promise<T> {
  const span: Span = { who, what, t0: performance.now() - origin, t1: NaN };
  spans.push(span);
  const end = () => void (span.t1 = performance.now() - origin);
  p.then(end, end);
  return p;
}

function instrument(): void {
  const ssh = SshConnection.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const m of ['connect', 'exec', 'openStreamLocal', 'openExecStream']) {
    const orig = ssh[m]!;
    ssh[m] = function (this: SshConnection, ...a: unknown[]) {
      const detail = m === 'exec' ? ` ${String(Array.isArray(a[0]) ? (a[0] as string[]).join(' ') : a[0]).slice(0, 40)}` : '';
      return timed(`ssh ${this.target.address}${this.hostId.startsWith('probe-') ? ' (probe)' : ''}`, `${m}${detail}`, orig.apply(this, a));
    };
  }
  const pool = WorkerPool.prototype as unknown as { run: (task: { kind?: string }, ...a: unknown[]) => Promise<unknown> };
  const run = pool.run;
  pool.run = function (this: unknown, task: { kind?: string }, ...a: unknown[]) {
    return timed('worker pool', task.kind ?? 'task', run.apply(this, [task, ...a]));
  };
  const repo = HostRepo.prototype as unknown as { save: (...a: unknown[]) => Promise<unknown> };
  const save = repo.save;
  repo.save = function (this: unknown, ...a: unknown[]) {
    return timed('sqlite', 'host save', save.apply(this, a));
  };
  const rpc = RpcClient.prototype as unknown as { call: (proc: { name: string }, ...a: unknown[]) => Promise<unknown> };
  const call = rpc.call;
  rpc.call = function (this: RpcClient, proc: { name: string }, ...a: unknown[]) {
    let who = rpcNames.get(this);
    if (!who) rpcNames.set(this, (who = `rpc#${++rpcCount}`));
    return timed(who, proc.name, call.apply(this, [proc, ...a]));
  };
}

/** Per connection, consecutive calls of one procedure folded into one line: first start, last end, count. */
function printTimeline(): void {
  const byWho = new Map<string, Span[]>();
  for (const s of spans) byWho.set(s.who, [...(byWho.get(s.who) ?? []), s]);
  for (const [who, list] of byWho) {
    log(`— ${who}`);
    let run: { what: string; t0: number; t1: number; n: number } | null = null;
    const flush = () => run && log(`   ${run.t0.toFixed(0).padStart(6)} → ${run.t1.toFixed(0).padStart(6)} ms  ${run.what}${run.n > 1 ? ` ×${run.n}` : ''}`);
    for (const s of list) {
      if (run && run.what === s.what) {
        run.n++;
        run.t1 = Math.max(run.t1, s.t1);
        continue;
      }
      flush();
      run = { what: s.what, t0: s.t0, t1: s.t1, n: 1 };
    }
    flush();
  }
}

// --- the CPU profile -------------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const frameName = (n: ProfileNode) => `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

/** The longest stretches without an idle sample, each with its top self and inclusive frames. */
function printBusy(p: Profile, t0us: number): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): ProfileNode[] => {
    const out: ProfileNode[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) out.push(byId.get(x)!);
    return out;
  };
  let t = p.startTime;
  const stretches: { start: number; end: number; ids: number[]; dts: number[] }[] = [];
  let cur: (typeof stretches)[number] | null = null;
  const totalSelf = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    const id = p.samples[i]!;
    const name = byId.get(id)!.callFrame.functionName;
    // A sample's weight is its CPU time: the time to the next sample, capped (a thread descheduled by
    // a busy machine gets its next sample late, and that wait is not work).
    const dur = Math.min(p.timeDeltas[i + 1] ?? 0, 2 * INTERVAL_US);
    if (name === '(idle)') {
      if (cur) stretches.push(cur);
      cur = null;
      continue;
    }
    totalSelf.set(frameName(byId.get(id)!), (totalSelf.get(frameName(byId.get(id)!)) ?? 0) + dur);
    if (!cur) cur = { start: t, end: t, ids: [], dts: [] };
    cur.end = t + (p.timeDeltas[i + 1] ?? 0);
    cur.ids.push(id);
    cur.dts.push(dur);
  }
  if (cur) stretches.push(cur);
  const busyTotal = [...totalSelf.values()].reduce((a, b) => a + b, 0);
  log(`CPU profile: busy (cpu) ${(busyTotal / 1000).toFixed(0)} ms of ${((t - p.startTime) / 1000).toFixed(0)} ms; top self:`);
  for (const [f, us] of [...totalSelf].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`   ${(us / 1000).toFixed(1).padStart(8)} ms  ${f}`);
  const cpuOf = (x: { dts: number[] }) => x.dts.reduce((a, b) => a + b, 0);
  stretches.sort((a, b) => cpuOf(b) - cpuOf(a));
  log(`busy stretches over 50 ms: ${stretches.filter((x) => x.end - x.start > 50_000).length}, over 100 ms: ${stretches.filter((x) => x.end - x.start > 100_000).length}; with over 10 ms of CPU: ${stretches.filter((x) => cpuOf(x) > 10_000).length}, over 20 ms: ${stretches.filter((x) => cpuOf(x) > 20_000).length} (sorted by CPU below)`);
  for (const s of stretches.slice(0, Number(process.env.PROF_STRETCHES ?? 12))) {
    const self = new Map<string, number>();
    const incl = new Map<string, number>();
    s.ids.forEach((id, k) => {
      const dt = s.dts[k]!;
      const st = stack(id);
      self.set(frameName(st[0]!), (self.get(frameName(st[0]!)) ?? 0) + dt);
      for (const f of new Set(st.filter((n) => /engine\/|test\//.test(n.callFrame.url) || n.callFrame.url.includes('/out/run/')).map(frameName))) incl.set(f, (incl.get(f) ?? 0) + dt);
    });
    const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, us]) => `${(us / 1000).toFixed(1)} ${f}`).join(' | ');
    log(`busy ${((s.end - s.start) / 1000).toFixed(1)} ms (cpu ${(s.dts.reduce((a, b) => a + b, 0) / 1000).toFixed(1)}) at ${((s.start - t0us) / 1000).toFixed(0)} ms: self ${top(self, 5)}`);
    log(`      incl ${top(incl, 8)}`);
  }
}

// --- the run ---------------------------------------------------------------------------------------

async function main() {
  const { lab, release } = ensureLab(log, HOSTS);
  const hosts = lab.hosts.slice(0, HOSTS);
  const session = new inspector.Session();
  try {
    const present = KEEP ? await countOurs(lab, hosts) : 0;
    if (present !== HOSTS * PER_HOST) {
      const t = performance.now();
      await defineBulk(lab, hosts, PREFIX, PER_HOST, 'c0d2');
      log(`defined ${HOSTS} × ${PER_HOST} in ${Math.round(performance.now() - t)} ms`);
    }
    instrument();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-prof-'));
    const engine = await createEngine({
      dataDir: dir,
      secrets: aesGcmCipher(Buffer.alloc(32, 7), 'bench'),
      logger: { debug() {}, info() {}, warn: (m, f) => log(`engine: ${m} ${JSON.stringify(f)}`), error: (m, f) => log(`engine: ${m} ${JSON.stringify(f)}`) },
      runtime: 'in-process',
      localLibvirt: 'none',
      ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } },
    });
    const want = HOSTS * PER_HOST;
    try {
      if (CPU) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
        await session.post('Profiler.start');
      }
      const since = Date.now();
      origin = performance.now();
      const t0us = process.hrtime.bigint() / 1000n;
      const added: number[] = [];
      await Promise.all(
        hosts.map(async (h) => {
          await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
          added.push(Math.round(performance.now() - origin));
        }),
      );
      let first = 0;
      for (;;) {
        const n = (await engine.call('vms.list', {})).vms.filter((v) => v.name.startsWith(`${PREFIX}-`)).length;
        if (n > 0 && !first) first = performance.now() - origin;
        if (n >= want) break;
        if (performance.now() - origin > 600_000) throw new Error('not all domains after 600 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const coldMs = performance.now() - origin;
      const loop = eventLoop.stats(since);
      let profile: Profile | null = null;
      if (CPU) {
        profile = (await session.post('Profiler.stop')).profile as unknown as Profile;
        const file = path.join(os.tmpdir(), `evloop2-cold-${Date.now()}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(profile));
        log(`profile written to ${file}`);
      }
      await new Promise((r) => setTimeout(r, 1500)); // the facts refresh and what follows the inventory
      printTimeline();
      if (profile) printBusy(profile, Number(t0us)) // V8's profile clock is the monotonic one hrtime reads;
      log(`stalls: ${JSON.stringify(eventLoop.recentStalls().filter((s) => s.at >= since))}`);
      console.log(JSON.stringify({ hosts: HOSTS, perHost: PER_HOST, added, firstMs: Math.round(first), coldMs: Math.round(coldMs), loop, load: os.loadavg().map((x) => Math.round(x * 100) / 100), cpuProfile: CPU }));
    } finally {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    session.disconnect();
    if (!KEEP) await undefineBulk(lab, hosts, PREFIX).catch((err: unknown) => log(`undefine failed: ${String(err)}`));
    release();
  }
}

async function countOurs(lab: Parameters<typeof undefineBulk>[0], hosts: Parameters<typeof undefineBulk>[1]): Promise<number> {
  const { sshExec } = await import('../lab/lab-info');
  const counts = await Promise.all(hosts.map(async (h) => (await sshExec(h, 'virsh -q list --all --name', { lab, timeoutMs: 60_000 })).stdout.split('\n').filter((n) => n.trim().startsWith(`${PREFIX}-`)).length));
  return counts.reduce((a, b) => a + b, 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
