/**
 * bench:migrate (issue 15): Hangar's live migration against virsh's, on the same guests in one run
 * (lab with 3 hosts; brought up here when none fits).
 *   (a) shared storage: Hangar (vms.migrate, client-managed flow, lab1→lab2) against
 *       `virsh migrate --live --p2p --persistent --undefinesource` run on the source host (lab2→lab1)
 *       of the same guest, alternating, after one warm-up pair: wall time, and the guest's downtime;
 *   (b) the same with storage copy (a disk in each host's local pool) against `--copy-storage-all`;
 *   (c) evacuating 6 running guests from lab1: Hangar's host maintenance (or, where it is not
 *       built, 6 vms.migrate at once with placement choosing, within the limits) against a shell
 *       loop of sequential `virsh migrate` calls on lab1 (to lab2 and lab3 in turn).
 * Wall time: Hangar's from the call to the job's end as the engine records it; virsh's measured on
 * the host around the command (its own connection set-up included, as a person running it pays).
 * Downtime, as the guest shows it: a counter it prints every 10 ms on its serial console, followed
 * on both hosts (drill-guest.ts); libvirt's own "Total downtime" is given beside it.
 * The last line is one JSON object.
 */
import crypto from 'node:crypto';
import type { Job, MigrateResult } from '../../engine/contract';
import { FINAL_JOB_STATES } from '../../engine/contract';
import type { Engine } from '../../engine/engine';
import { labEngine } from '../integration/fleet/lab-engine';
import { addLabHosts, vmWhen } from '../integration/migration/drill-fleet';
import {
  bootDrillGuest, clearSerialLog, downtimeOf, removeDrillGuest, SerialWatch, startTicker, type DrillGuest,
} from '../integration/migration/drill-guest';
import { shellQuote, sshExec, sshRun, waitFor, type LabHost } from '../lab/lab-info';
import { domains, domstate } from '../integration/migration/mig-lab';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('migrate');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EVACUATE = Number(process.env.BENCH_EVACUATE ?? 6);
const TICK_MS = 10;

interface Move {
  wallMs: number;
  /** Guest-observed (serial ticker), null when a side saw no tick. */
  downtimeMs: number | null;
  /** libvirt's own downtime: "Total downtime" on the target after virsh; the job's result (read from the target the same way) after Hangar. */
  libvirtDowntimeMs: number | null;
}

const { lab, release: releaseLab } = ensureLab(log, 3);
const [h1, h2, h3] = lab.hosts as [LabHost, LabHost, LabHost];
const tag = crypto.randomBytes(3).toString('hex');
const SHARED = `migbench-s-${tag}`;
const LOCAL = `migbench-l-${tag}`;
const EVAC = Array.from({ length: EVACUATE }, (_, i) => `migbench-e${i}-${tag}`);

async function libvirtDowntime(host: LabHost, name: string): Promise<number | null> {
  const r = await sshExec(host, `virsh domjobinfo --completed ${shellQuote(name)}`, { lab });
  const m = /Total downtime:\s+(\d+)\s*ms/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

/** Wraps one move with serial watches on both hosts; `run` returns the wall time and, when it knows it, libvirt's downtime. */
async function measured(name: string, from: LabHost, to: LabHost, run: () => Promise<{ wallMs: number; libvirtDowntimeMs?: number | null }>): Promise<Move> {
  await clearSerialLog(lab, to, name);
  const src = new SerialWatch(lab, from, name);
  const dst = new SerialWatch(lab, to, name);
  await Promise.all([src.ready, dst.ready]);
  try {
    const r = await run();
    await new Promise((res) => setTimeout(res, 1_000));
    const d = downtimeOf(src, dst, TICK_MS);
    return { wallMs: r.wallMs, downtimeMs: d?.downtimeMs ?? null, libvirtDowntimeMs: r.libvirtDowntimeMs !== undefined ? r.libvirtDowntimeMs : await libvirtDowntime(to, name) };
  } finally {
    src.close();
    dst.close();
  }
}

async function jobEnd(engine: Engine, jobId: string, timeoutMs = 600_000): Promise<Job> {
  return waitFor(`job ${jobId}`, async () => {
    const j = await engine.call('jobs.get', { jobId });
    return FINAL_JOB_STATES.includes(j.state) ? j : undefined;
  }, timeoutMs, 25);
}

async function hangarMove(engine: Engine, ids: Record<string, string>, name: string, from: LabHost, to: LabHost, storage: 'shared' | 'copy'): Promise<Move> {
  const vm = await vmWhen(engine, name, `running on ${from.name}`, (v) => v.state === 'running' && v.hostId === ids[from.name], 60_000);
  const m = await measured(name, from, to, async () => {
    const t0 = Date.now();
    const { jobId } = await engine.call('vms.migrate', { vmId: vm.id, hostId: ids[to.name], storage });
    const job = await jobEnd(engine, jobId);
    if (job.state !== 'succeeded') throw new Error(`Hangar's migration of ${name} ${from.name}→${to.name} ${job.state}: ${job.error?.message}`);
    // Hangar reads the target's completed job stats itself (which libvirt then forgets): its result carries them.
    return { wallMs: (job.finishedAt ?? Date.now()) - t0, libvirtDowntimeMs: (job.result as MigrateResult | undefined)?.downtimeMs ?? null };
  });
  if (storage === 'copy') await dropLocalVolume(from, name);
  return m;
}

async function virshMove(name: string, from: LabHost, to: LabHost, extra: string[]): Promise<Move> {
  const m = await measured(name, from, to, async () => {
    const cmd = ['virsh', 'migrate', '--live', '--p2p', '--persistent', '--undefinesource', ...extra, name, `qemu+ssh://${to.address}/system`].map(shellQuote).join(' ');
    const out = await sshRun(from, `s=$(date +%s%N); ${cmd} >&2 || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`, { lab, timeoutMs: 600_000 });
    return { wallMs: Number(out.trim()) };
  });
  if (extra.includes('--copy-storage-all')) await dropLocalVolume(from, name);
  return m;
}

/** The source's copy of a moved local disk: removed (unless Hangar did), so each run starts alike. */
async function dropLocalVolume(host: LabHost, name: string): Promise<void> {
  await sshExec(host, `virsh pool-refresh default >/dev/null 2>&1; virsh vol-delete --pool default ${shellQuote(`${name}.qcow2`)} >/dev/null 2>&1; true`, { lab });
}

async function pairs(engine: Engine, ids: Record<string, string>, name: string, storage: 'shared' | 'copy'): Promise<{ hangar: Move[]; virsh: Move[] }> {
  const extra = storage === 'copy' ? ['--copy-storage-all'] : [];
  const hangar: Move[] = [];
  const virsh: Move[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const a = await hangarMove(engine, ids, name, h1, h2, storage);
    const b = await virshMove(name, h2, h1, extra);
    log(`${storage} ${i === 0 ? 'warm-up' : `run ${i}/${RUNS}`}: Hangar ${a.wallMs} ms (downtime ${a.downtimeMs} ms, libvirt ${a.libvirtDowntimeMs} ms); virsh ${b.wallMs} ms (downtime ${b.downtimeMs} ms, libvirt ${b.libvirtDowntimeMs} ms)`);
    if (i === 0) continue;
    hangar.push(a);
    virsh.push(b);
  }
  return { hangar, virsh };
}

const med = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? round(median(v)) : null;
};

async function hostsNow(): Promise<string> {
  const r = await sshExec(h1, 'cat /proc/loadavg', { lab });
  return r.stdout.split(' ').slice(0, 3).join(' ');
}

/**
 * The host (c) empties: lab1 unless other people's domains are on it (the lab is shared, and a
 * maintenance would move them too), else the first host with none.
 */
async function evacuationHost(): Promise<LabHost> {
  for (const h of [h1, h2, h3]) if ((await domains(h)).every((n) => EVAC.includes(n))) return h;
  return h1;
}

/** Sequential `virsh migrate` of the guests, to the two other hosts in turn: one shell loop, timed on the source. */
async function virshLoop(from: LabHost, names: string[]): Promise<number> {
  const others = lab.hosts.filter((h) => h !== from);
  const list = names.map((n, i) => `${shellQuote(n)}:${others[i % others.length]!.address}`).join(' ');
  const out = await sshRun(
    from,
    `s=$(date +%s%N); for p in ${list}; do d=\${p%%:*}; t=\${p#*:}; virsh migrate --live --p2p --persistent --undefinesource "$d" "qemu+ssh://$t/system" >&2 || exit 1; done; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`,
    { lab, timeoutMs: 900_000 },
  );
  return Number(out.trim());
}

/** Brings the evacuation guests home (untimed): virsh from wherever each runs. */
async function bringHome(home: LabHost, names: string[]): Promise<void> {
  for (const n of names) {
    for (const h of lab.hosts.filter((x) => x !== home)) {
      if ((await domstate(h, n))?.startsWith('running')) {
        await sshRun(h, `virsh migrate --live --p2p --persistent --undefinesource ${shellQuote(n)} qemu+ssh://${home.address}/system`, { lab, timeoutMs: 300_000 });
      }
    }
  }
}

/**
 * Hangar empties the host: host maintenance where the engine has it and the plan holds only the
 * bench's guests, else the same guests as one vms.migrate each, all asked at once, placement
 * choosing, within the limits (2 out per host). Says which.
 */
async function hangarEvacuate(engine: Engine, ids: Record<string, string>, from: LabHost, names: string[]): Promise<{ ms: number; how: string }> {
  for (const n of names) await vmWhen(engine, n, `running on ${from.name}`, (v) => v.state === 'running' && v.hostId === ids[from.name], 120_000);
  const hostId = ids[from.name]!;
  let why: string;
  try {
    const plan = await engine.call('hosts.maintenancePlan', { hostId });
    const foreign = plan.steps.filter((s) => !names.includes(s.name)).map((s) => s.name);
    if (foreign.length) throw new Error(`other domains are on ${from.name} (${foreign.join(', ')}); a maintenance would move them too`);
    const t0 = Date.now();
    const { jobId } = await engine.call('hosts.enterMaintenance', { hostId });
    const job = await jobEnd(engine, jobId, 900_000);
    const ms = (job.finishedAt ?? Date.now()) - t0;
    const state = await engine.call('hosts.maintenance', { hostId });
    if (job.state !== 'succeeded' || state.state !== 'ready') throw new Error(`maintenance ended ${job.state}/${state.state}: ${job.error?.message}`);
    await jobEnd(engine, (await engine.call('hosts.exitMaintenance', { hostId })).jobId);
    return { ms, how: 'maintenance' };
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
    if (/maintenance ended/.test(why)) throw e;
  }
  log(`(c) no maintenance run (${why}): ${names.length} vms.migrate at once instead, placement choosing, within the limits`);
  const t1 = Date.now();
  const vms = (await engine.call('vms.list', {})).vms.filter((v) => names.includes(v.name));
  const refs = await Promise.all(vms.map((v) => engine.call('vms.migrate', { vmId: v.id, storage: 'shared' })));
  const jobs = await Promise.all(refs.map((r) => jobEnd(engine, r.jobId, 900_000)));
  const bad = jobs.filter((j) => j.state !== 'succeeded');
  if (bad.length) throw new Error(`evacuation: ${bad.length} migrations ${bad.map((j) => `${j.state}: ${j.error?.message}`).join('; ')}`);
  return { ms: Math.max(...jobs.map((j) => j.finishedAt ?? Date.now())) - t1, how: 'parallel vms.migrate' };
}

const test = await labEngine(lab, 'bench-migrate');
const guests: DrillGuest[] = [];
try {
  log(`load before: ${await hostsNow()}`);
  guests.push(await bootDrillGuest(lab, h1, SHARED, { disk: 'shared' }));
  guests.push(await bootDrillGuest(lab, h1, LOCAL, { disk: 'local' }));
  for (const g of guests) await startTicker(lab, h1, g.name, TICK_MS);
  const ids = await addLabHosts(test.engine, lab);

  const a = await pairs(test.engine, ids, SHARED, 'shared');
  const b = await pairs(test.engine, ids, LOCAL, 'copy');
  for (const n of [SHARED, LOCAL]) await removeDrillGuest(lab, n);

  const home = await evacuationHost();
  log(`(c) booting ${EVACUATE} guests on ${home.name}`);
  for (const n of EVAC) guests.push(await bootDrillGuest(lab, home, n, { disk: 'shared', memoryMiB: 192 }));
  const loadC = await hostsNow();
  const evacuateVirsh = await virshLoop(home, EVAC);
  log(`(c) sequential virsh loop: ${evacuateVirsh} ms; bringing the guests home`);
  await bringHome(home, EVAC);
  const evac = await hangarEvacuate(test.engine, ids, home, EVAC);
  log(`(c) Hangar (${evac.how}): ${evac.ms} ms`);

  const hangarMs = med(a.hangar.map((m) => m.wallMs))!;
  const virshMs = med(a.virsh.map((m) => m.wallMs))!;
  const result = {
    bench: 'migrate',
    accel: lab.accel,
    runs: RUNS,
    hangar_ms: hangarMs,
    virsh_ms: virshMs,
    ratio: round(hangarMs / virshMs, 2),
    downtime_ms: med(a.hangar.map((m) => m.downtimeMs)),
    virsh_downtime_ms: med(a.virsh.map((m) => m.downtimeMs)),
    libvirt_downtime_ms: med(a.hangar.map((m) => m.libvirtDowntimeMs)),
    virsh_libvirt_downtime_ms: med(a.virsh.map((m) => m.libvirtDowntimeMs)),
    copy_hangar_ms: med(b.hangar.map((m) => m.wallMs)),
    copy_virsh_ms: med(b.virsh.map((m) => m.wallMs)),
    copy_downtime_ms: med(b.hangar.map((m) => m.downtimeMs)),
    copy_virsh_downtime_ms: med(b.virsh.map((m) => m.downtimeMs)),
    evacuate_ms: evac.ms,
    evacuate_how: evac.how,
    evacuate_host: home.name,
    evacuate_guests: EVACUATE,
    evacuate_sequential_virsh_ms: evacuateVirsh,
    evacuate_speedup: round(evacuateVirsh / evac.ms, 2),
    load: `${loadC} → ${await hostsNow()}`,
    goal_ratio: 1.1,
    goal_evacuate_speedup: 2,
  };
  console.log(JSON.stringify(result));
} finally {
  await test.dispose();
  for (const n of [SHARED, LOCAL, ...EVAC]) await removeDrillGuest(lab, n);
  releaseLab();
}
