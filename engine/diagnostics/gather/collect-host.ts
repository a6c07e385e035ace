import { HangarError } from '../../contract/errors';
import { readScreenshot } from '../../console/screenshot';
import { versionString } from '../../hosts/host-facts';
import { readCapabilitiesXml } from '../../xml/capabilities';
import { parseDomainXml } from '../../xml/domain-read';
import { poolTargetPath } from '../../xml/pool';
import { DomainState, StoragePoolState, type LibvirtConnection } from '../../libvirt';
import type { SshConnection } from '../../ssh';
import { Slots } from '../../ssh/slots';
import { TarParser } from '../bundle/tar';
import { planBatches, runBatch, type BatchOutcome } from './batch';
import type { BundleWriter } from './bundle-writer';
import { safeSegment } from './bundle-writer';
import { filesTarCommand, hostCommands, qemuImgInfoCommand, qemuProcCommand, vmCommands, volListArgs, volListCommand, type CommandItem } from './host-items';

/**
 * Execs in flight per host, at most: the connection's session slots (sshd's MaxSessions as learned)
 * less two, for the libvirt link when it is an exec stream and for the rest of the engine.
 */
const MAX_LANES = 6;
/** The host's own commands are split into this many batches, run side by side. */
const HOST_BATCHES = 3;
/** Commands per batch at most (a batch's items finish together: smaller ones report progress sooner). */
const BATCH_MAX_ITEMS = 400;

const DOMAIN_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

export interface HostScope {
  name: string;
  ssh: SshConnection | null;
  /** Throws (UNREACHABLE) when the host's libvirt cannot be reached right now. */
  libvirt: () => LibvirtConnection;
  /** UUIDs to collect details for; null = every domain. */
  vmUuids: Set<string> | null;
}

export interface CollectOptions {
  vmDetails: boolean;
  images: boolean;
  /** Per running VM with a display: its screen through libvirt's screenshot stream. */
  screenshots: boolean;
  sinceEpochSec: number | null;
  signal: AbortSignal;
  commandTimeoutMs: number;
  /** Called after each item with how many are done out of how many known so far. */
  progress(done: number, total: number): void;
}

/** What the host's facts.json holds: the data health checks read back from a bundle. */
export interface HostFactsFile {
  name: string;
  collectedAt: number;
  hostname: string | null;
  libvirtVersion: string | null;
  qemuVersion: string | null;
  kvm: boolean | null;
  cpuModel: string | null;
  cpus: number | null;
  memoryKiB: number | null;
  pools: Array<{ name: string; active: boolean; capacity: number; allocation: number; available: number; path: string | null }>;
  domains: Array<{ uuid: string; name: string; state: string; reason: number; file: string }>;
  libvirtError: string | null;
}

/**
 * Collects one host into `hosts/<name>/`: libvirt over RPC (facts, domain XMLs) beside the host's
 * own commands and files over SSH, then what libvirt named (VMs, pools), batched. A failing item
 * is recorded and the rest goes on; only cancellation stops it.
 */
export async function collectHost(h: HostScope, w: BundleWriter, o: CollectOptions): Promise<{ failed: number; libvirtError: string | null }> {
  const dir = `hosts/${safeSegment(h.name)}`;
  let done = 0;
  let total = 4;
  let failed = 0;
  const tick = (): void => o.progress(++done, total);
  const checkCancel = (): void => {
    if (o.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
  };

  const ssh = h.ssh;
  const lanes = ssh ? new Slots(Math.max(1, Math.min(MAX_LANES, ssh.sessionCapacity - 2))) : null;
  const inLane = async <T>(fn: () => Promise<T>): Promise<T> => {
    const release = await lanes!.acquire(o.signal);
    try {
      return await fn();
    } finally {
      release();
    }
  };
  /** Records one item's outcome from a batch. */
  const record = async (c: CommandItem, r: BatchOutcome): Promise<void> => {
    await w.put(c.out, r.stdout);
    w.item({ host: h.name, out: c.out, kind: 'command', command: c.command, exitCode: r.exitCode, startedAt: r.startedAt, durationMs: r.durationMs, stderr: r.stderr });
    if (r.exitCode !== 0) failed++;
    tick();
  };
  /**
   * Items in one exec; virsh commands the session could not answer for, again as processes of their
   * own in a second batch; what is left, one exec each (as before batching).
   */
  const runItems = async (s: SshConnection, items: CommandItem[]): Promise<void> => {
    const alone: CommandItem[] = [];
    let pending = items;
    for (let pass = 0; pass < 2 && pending.length > 1; pass++) {
      const batch = pending;
      const answers = await inLane(() => runBatch(s, batch, { signal: o.signal, timeoutMs: o.commandTimeoutMs }));
      pending = [];
      for (const [i, c] of batch.entries()) {
        const a = answers[i]!;
        if (a === 'alone') alone.push(c);
        else if (a === 'process') pending.push({ out: c.out, command: c.command, ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) });
        else await record(c, a);
      }
    }
    alone.push(...pending);
    await Promise.all(
      alone.map((c) =>
        inLane(async () => {
          if (!(await runItem(s, h.name, c, w, o))) failed++;
          tick();
        }),
      ),
    );
  };

  // 2a. Over SSH, what needs nothing from libvirt starts at once, beside the RPC part: the files,
  // the host's commands, the processes libvirt keeps pid files for.
  let early: Promise<unknown> = Promise.resolve();
  if (ssh) {
    const items: CommandItem[] = hostCommands(o.sinceEpochSec).map((c) => ({ ...c, out: `${dir}/${c.out}` }));
    total += items.length + 1;
    // virsh commands share one batch (one session); the rest are dealt round the others, longest first.
    const virshItems = items.filter((c) => c.virsh);
    const shells = items.filter((c) => !c.virsh).sort((a, b) => (b.timeoutMs ?? 0) - (a.timeoutMs ?? 0));
    const groups: CommandItem[][] = Array.from({ length: HOST_BATCHES - 1 }, () => []);
    shells.forEach((c, i) => groups[i % groups.length]!.push(c));
    const processes = async (): Promise<void> => {
      // Every process libvirt keeps a pid file for (QEMU, dnsmasq, the drivers), as sos does.
      const procs = await inLane(() => runCapture(ssh, 'for p in /run/libvirt/*/*.pid; do [ -f "$p" ] && echo "$(basename "$(dirname "$p")")|$(basename "$p" .pid)|$(cat "$p")"; done; true', o));
      const extra: CommandItem[] = [];
      for (const line of procs.split('\n')) {
        const [driver, name, pid] = line.split('|');
        if (!driver || !name || !pid || !/^\d+$/.test(pid.trim())) continue;
        const out = driver === 'qemu' && name !== 'driver' ? `${dir}/vms/${safeSegment(name)}/process.txt` : `${dir}/procs/${safeSegment(driver)}-${safeSegment(name)}.txt`;
        extra.push({ out, command: qemuProcCommand(Number(pid)) });
      }
      total += extra.length;
      await Promise.all(planBatches(extra.map((c) => [c]), BATCH_MAX_ITEMS).map((b) => runItems(ssh, b)));
    };
    const files = async (): Promise<void> => {
      if (!(await inLane(() => collectFiles(ssh, h.name, dir, w, o)))) failed++;
      tick();
    };
    early = Promise.all([files(), ...[virshItems, ...groups].filter((g) => g.length > 0).map((g) => runItems(ssh, g)), processes()]);
    early.catch(() => undefined); // awaited below; a cancellation must not surface as unhandled meanwhile
  } else {
    w.logLine(`${h.name}: no SSH connection (the machine's own libvirt): host commands and files left out`);
  }

  // 1. libvirt over RPC.
  const facts: HostFactsFile = { name: h.name, collectedAt: Date.now(), hostname: null, libvirtVersion: null, qemuVersion: null, kvm: null, cpuModel: null, cpus: null, memoryKiB: null, pools: [], domains: [], libvirtError: null };
  const domains: Array<{ uuid: string; name: string; running: boolean; xml: string }> = [];
  const t0 = Date.now();
  try {
    const conn = h.libvirt();
    // All asked at once (the RPC client pipelines them): a loaded host answers in one round trip's time, not ten.
    const [[hostname, lib, hv, caps, node], pools, networks, [refs, states, xmls]] = await Promise.all([
      Promise.all([conn.getHostname(), conn.getLibVersion(), conn.getVersion(), conn.getCapabilities(), conn.nodeGetInfo()]),
      conn.listAllStoragePools(0).then((refs) => Promise.all(refs.map((p) => Promise.all([p, conn.storagePoolGetInfo(p), conn.storagePoolGetXmlDesc(p, 0)] as const)))),
      conn.listAllNetworks(0).then((refs) => Promise.all(refs.map((n) => Promise.all([n, conn.networkGetXmlDesc(n, 0)] as const)))),
      // Pipelined; a domain deleted between the list and its XML is just not there any more.
      Promise.all([conn.listAllDomains(0), conn.getAllDomainStates()]).then(([refs, states]) => Promise.all([refs, states, conn.getAllXml(refs, 0)] as const)),
    ]);
    Object.assign(facts, { hostname, libvirtVersion: versionString(lib), qemuVersion: versionString(hv), kvm: readCapabilitiesXml(caps).kvm, cpuModel: node.model, cpus: node.cpus, memoryKiB: node.memory });
    for (const [p, info, xml] of pools) {
      facts.pools.push({ name: p.name, active: info.state === StoragePoolState.RUNNING, capacity: info.capacity, allocation: info.allocation, available: info.available, path: poolTargetPath(xml) });
      await w.put(`${dir}/libvirt/pools/${safeSegment(p.name)}.xml`, xml);
    }
    for (const [n, xml] of networks) await w.put(`${dir}/libvirt/networks/${safeSegment(n.name)}.xml`, xml);
    for (const [i, d] of refs.entries()) {
      const st = states.get(d.uuid);
      const x = xmls[i];
      if (!st || !x || !('xml' in x)) continue;
      const file = `${dir}/libvirt/domains/${safeSegment(d.name)}.xml`;
      await w.put(file, x.xml);
      facts.domains.push({ uuid: d.uuid, name: d.name, state: DOMAIN_STATES[st.state] ?? String(st.state), reason: st.reason, file });
      domains.push({ uuid: d.uuid, name: d.name, running: st.state === DomainState.RUNNING || st.state === DomainState.PAUSED || st.state === DomainState.BLOCKED, xml: x.xml });
    }
    w.item({ host: h.name, out: `${dir}/libvirt`, kind: 'libvirt', command: 'libvirt RPC: hostname, versions, capabilities, nodeinfo, pools, networks, domains (XML, state)', exitCode: 0, durationMs: Date.now() - t0, stderr: '' });
  } catch (err) {
    checkCancel();
    const e = HangarError.from(err);
    facts.libvirtError = e.message;
    failed++;
    w.item({ host: h.name, out: `${dir}/libvirt`, kind: 'libvirt', command: 'libvirt RPC', exitCode: null, durationMs: Date.now() - t0, stderr: '', error: e.message });
    w.logLine(`${h.name}: libvirt: ${e.message}`);
  }
  tick();

  if (o.screenshots) {
    for (const d of domains.filter((x) => x.running && hasGraphics(x.xml) && (!h.vmUuids || h.vmUuids.has(x.uuid)))) {
      checkCancel();
      const t = Date.now();
      let out = `${dir}/vms/${safeSegment(d.name)}/screenshot`;
      try {
        const img = await screenshot(h.libvirt(), d.uuid, o.signal);
        // libvirt ≥ 8 converts QEMU's PPM to PNG; older ones pass the PPM through.
        out += img.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) ? '.png' : '.ppm';
        await w.put(out, img);
        w.item({ host: h.name, out, kind: 'libvirt', command: 'libvirt RPC: domain screenshot (screen 0)', exitCode: 0, startedAt: t, durationMs: Date.now() - t, stderr: '' });
      } catch (err) {
        checkCancel();
        failed++;
        w.item({ host: h.name, out, kind: 'libvirt', command: 'libvirt RPC: domain screenshot (screen 0)', exitCode: null, durationMs: Date.now() - t, stderr: '', error: HangarError.from(err).message });
      }
    }
  }

  // 2b. What libvirt's answers name: each VM's commands and disks, each pool's volumes (and their
  // images when asked); batched a group of VMs to an exec.
  if (ssh) {
    const units: CommandItem[][] = [];
    if (o.vmDetails) {
      for (const d of domains.filter((x) => !h.vmUuids || h.vmUuids.has(x.uuid))) {
        const vdir = `${dir}/vms/${safeSegment(d.name)}`;
        const unit = vmCommands(d.uuid, d.running).map((c) => ({ ...c, out: `${vdir}/${c.out}` }));
        for (const disk of parseDomainXml(d.xml).disks) {
          if (disk.device !== 'disk' || !disk.source?.startsWith('/')) continue;
          unit.push({ out: `${vdir}/qemu-img-info-${safeSegment(disk.target)}.json`, command: qemuImgInfoCommand(disk.source) });
        }
        units.push(unit);
      }
    }
    units.push(facts.pools.map((p) => ({ out: `${dir}/libvirt/vols-${safeSegment(p.name)}.txt`, command: volListCommand(p.name), virsh: { args: volListArgs(p.name) } })));
    total += units.reduce((n, u) => n + u.length, 0);
    const late = Promise.all(planBatches(units, BATCH_MAX_ITEMS).map((b) => runItems(ssh, b)));
    const images = (async () => {
      if (!o.images) return;
      const extra: CommandItem[] = [];
      for (const p of facts.pools.filter((x) => x.active && x.path)) {
        const list = await inLane(() => runCapture(ssh, volListCommand(p.name), o));
        for (const line of list.split('\n').slice(2)) {
          const cols = line.trim().split(/\s{2,}/);
          if (cols.length >= 2 && cols[1]!.startsWith('/')) extra.push({ out: `images/${safeSegment(h.name)}/${safeSegment(p.name)}/${safeSegment(cols[0]!)}-qemu-img-info.json`, command: qemuImgInfoCommand(cols[1]!) });
        }
      }
      total += extra.length;
      await Promise.all(planBatches(extra.map((c) => [c]), BATCH_MAX_ITEMS).map((b) => runItems(ssh, b)));
    })();
    await Promise.all([early, late, images]);
    checkCancel();
  }
  // Did libvirt stay up while the commands ran? A daemon that died mid-way is recorded as such.
  if (facts.libvirtError === null) {
    try {
      await Promise.race([h.libvirt().getLibVersion(), new Promise((_, reject) => setTimeout(() => reject(new HangarError('TIMEOUT', 'libvirt did not answer within 5 s')), 5000).unref())]);
    } catch (err) {
      facts.libvirtError = `lost during collection: ${HangarError.from(err).message}`;
      w.logLine(`${h.name}: libvirt ${facts.libvirtError}`);
    }
  }
  await w.put(`${dir}/facts.json`, JSON.stringify(facts, null, 1));
  tick();
  return { failed, libvirtError: facts.libvirtError };
}

const SCREENSHOT_TIMEOUT_MS = 20_000;
const SCREENSHOT_MAX_BYTES = 64 * 1024 * 1024;

/** Reads a screenshot stream to its end, within a timeout and a size cap. */
/** A domain with a display is worth a screenshot; XML that cannot be read has none to take. */
function hasGraphics(xml: string): boolean {
  try {
    return parseDomainXml(xml).graphics.length > 0;
  } catch {
    return false;
  }
}

async function screenshot(conn: LibvirtConnection, uuid: string, signal: AbortSignal): Promise<Buffer> {
  return readScreenshot(conn, await conn.domainLookupByUuid(uuid), signal, SCREENSHOT_TIMEOUT_MS, SCREENSHOT_MAX_BYTES);
}

/**
 * The files, in one tar stream from the host, each redacted and hashed on its way into the bundle as
 * the stream is read (never the whole archive in memory). False when the stream failed.
 */
async function collectFiles(ssh: SshConnection, host: string, dir: string, w: BundleWriter, o: CollectOptions): Promise<boolean> {
  const tf = Date.now();
  let cur: { name: string; mtimeMs: number; parts: Buffer[] } | null = null;
  let writes: Promise<void> = Promise.resolve();
  let bad: Error | null = null;
  const parser = new TarParser({
    entry: (e) => (cur = { name: e.name, mtimeMs: e.mtimeMs, parts: [] }),
    data: (c) => cur!.parts.push(Buffer.from(c)),
    entryEnd: () => {
      const e = cur!;
      cur = null;
      const rel = e.name.replace(/^\/+/, '');
      // The writer serialises its puts; this chain only keeps their order and their errors.
      writes = writes.then(() => w.put(`${dir}/files/${rel.replace(/\.\.(\/|$)/g, '_$1')}`, Buffer.concat(e.parts), { remotePath: `/${rel}`, mtimeMs: e.mtimeMs }));
    },
  });
  const onStdout = (c: Buffer): void => {
    if (bad) return;
    try {
      parser.push(c);
    } catch (err) {
      bad = err as Error; // not a tar stream: the entries read so far stay
    }
  };
  try {
    const r = await ssh.exec(filesTarCommand(), { signal: o.signal, timeoutMs: Math.max(o.commandTimeoutMs, 120_000), maxBuffer: 64 * 1024, onStdout });
    await writes;
    if (bad) throw bad;
    w.item({ host, out: `${dir}/files`, kind: 'files', command: filesTarCommand(), exitCode: r.exitCode, startedAt: tf, durationMs: Date.now() - tf, stderr: r.stderr });
    return true;
  } catch (err) {
    await writes.catch(() => undefined);
    if (o.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
    w.item({ host, out: `${dir}/files`, kind: 'files', command: filesTarCommand(), exitCode: null, durationMs: Date.now() - tf, stderr: '', error: HangarError.from(err).message });
    return false;
  }
}

/** Runs one item; its output becomes the file, its status the manifest entry. False when it failed. */
async function runItem(ssh: SshConnection, host: string, c: CommandItem, w: BundleWriter, o: CollectOptions): Promise<boolean> {
  const t = Date.now();
  try {
    const r = await ssh.exec(c.command, { signal: o.signal, timeoutMs: c.timeoutMs ?? o.commandTimeoutMs, maxBuffer: 32 * 1024 * 1024 });
    await w.put(c.out, r.stdout);
    w.item({ host, out: c.out, kind: 'command', command: c.command, exitCode: r.exitCode, startedAt: t, durationMs: Date.now() - t, stderr: r.stderr });
    return r.exitCode === 0;
  } catch (err) {
    if (o.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
    w.item({ host, out: c.out, kind: 'command', command: c.command, exitCode: null, durationMs: Date.now() - t, stderr: '', error: HangarError.from(err).message });
    return false;
  }
}

async function runCapture(ssh: SshConnection, command: string, o: CollectOptions): Promise<string> {
  try {
    return (await ssh.exec(command, { signal: o.signal, timeoutMs: o.commandTimeoutMs })).stdout;
  } catch {
    return '';
  }
}
