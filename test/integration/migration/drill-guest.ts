/**
 * Guests for the migration drills and bench:migrate, driven with the system ssh/virsh only (an
 * oracle independent of Hangar):
 *   - a lab test guest, diskless or with a qcow2 disk on the shared pool or a host's local pool;
 *   - a memory dirtier in the guest: random data rewritten in a loop, so pre-copy cannot converge
 *     under a bandwidth limit (random, because QEMU sends zero pages almost for free);
 *   - a ticker in the guest printing a counter on its serial console every few ms, and a watcher
 *     that follows the serial log on the source and the target host from the laptop side: the
 *     guest's downtime is the silence between the source's last line and the target's first.
 * Guest addresses are on each host's own NAT network, which the laptop side (10.66.0.1) cannot
 * reach, and a guest changes network when it moves, so ping cannot follow it; the serial line
 * does, because each host logs it to the same path and both hosts share the machine's clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  defineDomain, labTimeouts, readSerialLog, serialLogPath, shellQuote, sshArgs, sshExec, sshRun, testGuestXml, typeOnSerial, virsh, waitFor,
  type LabHost, type LabInfo,
} from '../../lab/lab-info';

export type DrillDisk = 'none' | 'shared' | 'local';

export interface DrillGuest {
  name: string;
  /** Where it was started. */
  host: LabHost;
  disk: DrillDisk;
  /** The disk's path (the same on every host: the shared pool, or the `default` pool's directory). */
  diskPath: string | null;
}

const volName = (name: string) => `${name}.qcow2`;

/**
 * Defines and starts a test guest on `host`, waits for its banner. `local`: a qcow2 in the host's
 * `default` pool (needs storage copy to move); `shared`: in the `shared` pool every host sees.
 */
export async function bootDrillGuest(
  lab: LabInfo,
  host: LabHost,
  name: string,
  opts: { disk?: DrillDisk; memoryMiB?: number; waitBanner?: boolean } = {},
): Promise<DrillGuest> {
  const disk = opts.disk ?? 'none';
  let diskPath: string | null = null;
  if (disk !== 'none') {
    const pool = disk === 'shared' ? 'shared' : 'default';
    await virsh(host, ['vol-create-as', pool, volName(name), '64M', '--format', 'qcow2'], { lab });
    diskPath = (await virsh(host, ['vol-path', '--pool', pool, volName(name)], { lab })).trim();
    if (disk === 'shared') await Promise.all(lab.hosts.filter((h) => h !== host).map((h) => virsh(h, ['pool-refresh', 'shared'], { lab })));
  }
  await sshExec(host, `rm -f ${shellQuote(serialLogPath(name))}`, { lab });
  await defineDomain(host, testGuestXml({ name, network: null, lab, memoryMiB: opts.memoryMiB ?? 256, ...(diskPath ? { disk: diskPath } : {}) }), { lab });
  await virsh(host, ['start', name], { lab });
  const g: DrillGuest = { name, host, disk, diskPath };
  if (opts.waitBanner !== false) await waitBanner(lab, g);
  return g;
}

export async function waitBanner(lab: LabInfo, g: DrillGuest): Promise<void> {
  await waitFor(`${g.name}'s banner on ${g.host.name}`, async () => (await readSerialLog(g.host, g.name, { lab })).includes(lab.guest.banner), labTimeouts(lab).bootMs * 2, 500);
}

/** Removes a drill guest (every host's definition, its volumes, its serial logs); never throws. */
export async function removeDrillGuest(lab: LabInfo, name: string): Promise<void> {
  const n = shellQuote(name);
  const v = shellQuote(volName(name));
  await Promise.all(
    lab.hosts.map((h) =>
      sshExec(
        h,
        `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} --nvram >/dev/null 2>&1 || virsh undefine ${n} >/dev/null 2>&1; ` +
          `virsh vol-delete --pool default ${v} >/dev/null 2>&1; rm -f ${shellQuote(serialLogPath(name))}; true`,
        { lab, timeoutMs: 30_000 },
      ).catch(() => undefined),
    ),
  );
  await sshExec(lab.hosts[0]!, `virsh pool-refresh shared >/dev/null 2>&1; virsh vol-delete --pool shared ${v} >/dev/null 2>&1; true`, { lab }).catch(() => undefined);
  await Promise.all(lab.hosts.slice(1).map((h) => sshExec(h, 'virsh pool-refresh shared >/dev/null 2>&1; true', { lab }).catch(() => undefined)));
}

/** Runs a shell line in the guest through its serial console and waits for `marker` in the log. */
async function inGuest(lab: LabInfo, host: LabHost, name: string, line: string, marker: string, timeoutMs = 60_000): Promise<void> {
  await typeOnSerial(host, name, line, { lab });
  await waitFor(`"${marker}" from ${name}`, async () => (await readSerialLog(host, name, { lab })).includes(marker), timeoutMs, 500);
}

/**
 * Starts rewriting `mib` MiB of random data in the guest's tmpfs in a loop (under TCG a copy runs
 * at several MiB/s to tens of MiB/s, depending on the machine's load). Only the rewritten copy is
 * dirtied; /run is a tmpfs of half the guest's memory, so mib ≤ memory/4. Each pass prints DPASS on
 * the serial console, so the guest's real write rate can be told (dirtierRate): libvirt's "dirty
 * rate" counts distinct pages per iteration, which a working set rewritten many times understates.
 */
export async function startDirtier(lab: LabInfo, host: LabHost, name: string, mib = 32): Promise<void> {
  await inGuest(
    lab,
    host,
    name,
    `dd if=/dev/urandom of=/run/md0 bs=1M count=${mib} 2>/dev/null; cp /run/md0 /run/md1; echo DIRTY-$((6*7)); while :; do dd if=/run/md0 of=/run/md1 bs=1M conv=notrunc 2>/dev/null; echo DPASS; done &`,
    'DIRTY-42',
    120_000,
  );
}

/** Passes of the dirtier so far, in the guest's serial log on `host`. */
export async function dirtierPasses(lab: LabInfo, host: LabHost, name: string): Promise<number> {
  return (await readSerialLog(host, name, { lab })).match(/^DPASS/gm)?.length ?? 0;
}

/** Stops the dirtier (wherever the guest runs now) so it stops costing the shared machine CPU. */
export async function stopDirtier(lab: LabInfo, host: LabHost, name: string): Promise<void> {
  await typeOnSerial(host, name, 'kill $(pidof dd) 2>/dev/null; for j in $(jobs -p); do kill $j; done; rm -f /run/md0 /run/md1', { lab }).catch(() => undefined);
}

/** Marker of a ticker line: `MDT<counter>` alone on its line. */
const TICK = /^MDT(\d+)\r?$/;

/** Starts a counter printed on the guest's serial console every `intervalMs` (guest time). */
export async function startTicker(lab: LabInfo, host: LabHost, name: string, intervalMs = 10): Promise<void> {
  await inGuest(lab, host, name, `(i=0; while :; do echo MDT$i; i=$((i+1)); usleep ${intervalMs * 1000}; done) &`, 'MDT5');
}

export interface Tick {
  /** Laptop-side arrival time (Date.now()). */
  at: number;
  n: number;
}

/**
 * Follows a guest's serial log on one host from the laptop side (`tail -F`, inotify: the lines
 * arrive within a few ms of being written), recording the ticker's lines with their arrival time.
 * The log may not exist yet (the target, before the incoming QEMU starts): tail waits for it.
 */
export class SerialWatch {
  readonly ticks: Tick[] = [];
  private child: ChildProcess;
  private buf = '';
  readonly ready: Promise<void>;

  constructor(lab: LabInfo, host: LabHost, name: string) {
    const cmd = `exec tail -F -n 0 -s 0.01 ${shellQuote(serialLogPath(name))} 2>/dev/null`;
    this.child = spawn('ssh', [...sshArgs(host, lab), cmd], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const at = Date.now();
      this.buf += d;
      const lines = this.buf.split('\n');
      this.buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = TICK.exec(l);
        if (m) this.ticks.push({ at, n: Number(m[1]) });
      }
    });
    // ssh + tail take a moment to start; lines before that are not seen (the caller waits for ready).
    this.ready = new Promise((r) => setTimeout(r, 1_500));
  }

  close(): void {
    this.child.kill('SIGTERM');
  }
}

export interface Downtime {
  /** Silence between the source's last tick and the target's first, minus one tick interval. */
  downtimeMs: number;
  /** The longest silence on the source before the cut, minus one tick interval: the measurement's noise floor. */
  noiseMs: number;
  lastSourceTick: number;
  firstTargetTick: number;
}

/** The guest's downtime from the two watches (null when a side saw nothing). */
export function downtimeOf(source: SerialWatch, target: SerialWatch, intervalMs: number): Downtime | null {
  const last = source.ticks.at(-1);
  const first = target.ticks.find((t) => !last || t.n > last.n);
  if (!last || !first) return null;
  let noise = 0;
  for (let i = 1; i < source.ticks.length; i++) noise = Math.max(noise, source.ticks[i]!.at - source.ticks[i - 1]!.at);
  return { downtimeMs: Math.max(0, first.at - last.at - intervalMs), noiseMs: Math.max(0, noise - intervalMs), lastSourceTick: last.n, firstTargetTick: first.n };
}

/** Empties a guest's old serial log on a host before the guest arrives there, so a watch sees only the new QEMU's lines. */
export async function clearSerialLog(lab: LabInfo, host: LabHost, name: string): Promise<void> {
  await sshRun(host, `rm -f ${shellQuote(serialLogPath(name))}`, { lab });
}

/**
 * libvirt's own view of outgoing migrations on one host (an oracle beside Hangar's job list): a
 * loop on the host asks, every ~200 ms, for the job of each domain named with the prefix, all in
 * one virsh session so that a round is a near-instant snapshot.
 */
export class OutgoingMigrationWatch {
  /** Per round: when it arrived and the names migrating out. */
  readonly rounds: { at: number; names: string[] }[] = [];
  private child: ChildProcess;
  private buf = '';
  private current: string[] = [];
  private dom: string | null = null;

  constructor(lab: LabInfo, host: LabHost, namePrefix: string) {
    const p = shellQuote(namePrefix);
    const cmd =
      `while :; do c=''; for d in $(virsh list --name 2>/dev/null); do case "$d" in ${p}*) c="$c echo DOM=$d; domjobinfo $d;";; esac; done; ` +
      `[ -n "$c" ] && virsh "$c" 2>/dev/null; echo ROUND; sleep 0.2; done`;
    this.child = spawn('ssh', [...sshArgs(host, lab), cmd], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.buf += d;
      const lines = this.buf.split('\n');
      this.buf = lines.pop() ?? '';
      for (const l of lines) {
        if (l.startsWith('DOM=')) this.dom = l.slice(4).trim();
        else if (/Operation:\s+Outgoing migration/.test(l) && this.dom) this.current.push(this.dom);
        else if (l.trim() === 'ROUND') {
          this.rounds.push({ at: Date.now(), names: this.current });
          this.current = [];
          this.dom = null;
        }
      }
    });
  }

  get max(): number {
    return Math.max(0, ...this.rounds.map((r) => r.names.length));
  }

  close(): void {
    this.child.kill('SIGTERM');
  }
}
