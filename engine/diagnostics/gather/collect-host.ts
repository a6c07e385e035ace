import { HangarError } from '../../contract/errors';
import { readScreenshot } from '../../console/screenshot';
import { versionString } from '../../hosts/host-facts';
import { readCapabilitiesXml } from '../../xml/capabilities';
import { parseDomainXml } from '../../xml/domain-read';
import { poolTargetPath } from '../../xml/pool';
import { DomainState, StoragePoolState, type LibvirtConnection } from '../../libvirt';
import type { SshConnection } from '../../ssh';
import { parseTar } from '../bundle/tar';
import type { BundleWriter } from './bundle-writer';
import { safeSegment } from './bundle-writer';
import { filesTarCommand, hostCommands, qemuImgInfoCommand, qemuProcCommand, vmCommands, volListCommand, type CommandItem } from './host-items';

/** Commands in flight per host: under the connection's channel slots, leaving room for the libvirt link. */
const ITEM_CONCURRENCY = 5;
/** Loops over many objects: started first so they do not finish last. */
const SLOW = new Set(['libvirt/nodedev-xml.txt', 'libvirt/nwfilter-xml.txt', 'virt-host-validate.txt', 'lspci-vv.txt', 'kvm_stat.txt']);

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

async function pool<T>(items: readonly T[], limit: number, signal: AbortSignal, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !signal.aborted) await fn(items[next++]!);
    }),
  );
}

/**
 * Collects one host into `hosts/<name>/`: libvirt over RPC first (facts, domain XMLs), then the
 * read-only commands and files over SSH. A failing item is recorded and the rest goes on; only
 * cancellation stops it.
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

  // 1. libvirt over RPC.
  const facts: HostFactsFile = { name: h.name, collectedAt: Date.now(), hostname: null, libvirtVersion: null, qemuVersion: null, kvm: null, cpuModel: null, cpus: null, memoryKiB: null, pools: [], domains: [], libvirtError: null };
  const domains: Array<{ uuid: string; name: string; running: boolean; xml: string }> = [];
  const t0 = Date.now();
  try {
    const conn = h.libvirt();
    const [hostname, lib, hv, caps, node] = await Promise.all([conn.getHostname(), conn.getLibVersion(), conn.getVersion(), conn.getCapabilities(), conn.nodeGetInfo()]);
    Object.assign(facts, { hostname, libvirtVersion: versionString(lib), qemuVersion: versionString(hv), kvm: readCapabilitiesXml(caps).kvm, cpuModel: node.model, cpus: node.cpus, memoryKiB: node.memory });
    const poolRefs = await conn.listAllStoragePools(0);
    for (const p of poolRefs) {
      const [info, xml] = await Promise.all([conn.storagePoolGetInfo(p), conn.storagePoolGetXmlDesc(p, 0)]);
      facts.pools.push({ name: p.name, active: info.state === StoragePoolState.RUNNING, capacity: info.capacity, allocation: info.allocation, available: info.available, path: poolTargetPath(xml) });
      await w.put(`${dir}/libvirt/pools/${safeSegment(p.name)}.xml`, xml);
    }
    for (const n of await conn.listAllNetworks(0)) await w.put(`${dir}/libvirt/networks/${safeSegment(n.name)}.xml`, await conn.networkGetXmlDesc(n, 0));
    const [refs, states] = await Promise.all([conn.listAllDomains(0), conn.getAllDomainStates()]);
    // Pipelined; a domain deleted between the list and its XML is just not there any more.
    const xmls = await conn.getAllXml(refs, 0);
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

  // 2. Commands over SSH.
  const ssh = h.ssh;
  if (!ssh) {
    w.logLine(`${h.name}: no SSH connection (the machine's own libvirt): host commands and files left out`);
  } else {
    const items: CommandItem[] = hostCommands(o.sinceEpochSec).map((c) => ({ ...c, out: `${dir}/${c.out}` }));
    const wanted = domains.filter((d) => !h.vmUuids || h.vmUuids.has(d.uuid));
    if (o.vmDetails) {
      for (const d of wanted) {
        const vdir = `${dir}/vms/${safeSegment(d.name)}`;
        for (const c of vmCommands(d.uuid, d.running)) items.push({ ...c, out: `${vdir}/${c.out}` });
        for (const disk of parseDomainXml(d.xml).disks) {
          if (disk.device !== 'disk' || !disk.source?.startsWith('/')) continue;
          items.push({ out: `${vdir}/qemu-img-info-${safeSegment(disk.target)}.json`, command: qemuImgInfoCommand(disk.source) });
        }
      }
    }
    for (const p of facts.pools) {
      items.push({ out: `${dir}/libvirt/vols-${safeSegment(p.name)}.txt`, command: volListCommand(p.name) });
    }
    // The slow loops start first; files and process details run beside the commands.
    items.sort((a, b) => Number(SLOW.has(b.out.slice(dir.length + 1))) - Number(SLOW.has(a.out.slice(dir.length + 1))));
    total += items.length + 1;
    const commands = pool(items, ITEM_CONCURRENCY, o.signal, async (c) => {
      if (!(await runItem(ssh, h.name, c, w, o))) failed++;
      tick();
    });
    const processes = (async () => {
      // Every process libvirt keeps a pid file for (QEMU, dnsmasq, the drivers), as sos does; and
      // the image library (volumes' qemu-img info) when asked.
      const procs = await runCapture(ssh, 'for p in /run/libvirt/*/*.pid; do [ -f "$p" ] && echo "$(basename "$(dirname "$p")")|$(basename "$p" .pid)|$(cat "$p")"; done; true', o);
      const extra: CommandItem[] = [];
      for (const line of procs.split('\n')) {
        const [driver, name, pid] = line.split('|');
        if (!driver || !name || !pid || !/^\d+$/.test(pid.trim())) continue;
        const out = driver === 'qemu' && name !== 'driver' ? `${dir}/vms/${safeSegment(name)}/process.txt` : `${dir}/procs/${safeSegment(driver)}-${safeSegment(name)}.txt`;
        extra.push({ out, command: qemuProcCommand(Number(pid)) });
      }
      if (o.images) {
        for (const p of facts.pools.filter((x) => x.active && x.path)) {
          const list = await runCapture(ssh, volListCommand(p.name), o);
          for (const line of list.split('\n').slice(2)) {
            const cols = line.trim().split(/\s{2,}/);
            if (cols.length >= 2 && cols[1]!.startsWith('/')) extra.push({ out: `images/${safeSegment(h.name)}/${safeSegment(p.name)}/${safeSegment(cols[0]!)}-qemu-img-info.json`, command: qemuImgInfoCommand(cols[1]!) });
          }
        }
      }
      total += extra.length;
      await pool(extra, 2, o.signal, async (c) => {
        if (!(await runItem(ssh, h.name, c, w, o))) failed++;
        tick();
      });
    })();
    const files = (async () => {
      // Files, in one tar stream from the host; each is redacted and hashed on the way in.
      const tf = Date.now();
      const chunks: Buffer[] = [];
      try {
        const r = await ssh.exec(filesTarCommand(), { signal: o.signal, timeoutMs: Math.max(o.commandTimeoutMs, 120_000), maxBuffer: 64 * 1024, onStdout: (c) => chunks.push(c) });
        const entries = parseTar(Buffer.concat(chunks));
        for (const e of entries) await w.put(`${dir}/files/${e.name.replace(/^\/+/, '').replace(/\.\.(\/|$)/g, '_$1')}`, e.data, { remotePath: `/${e.name.replace(/^\/+/, '')}`, mtimeMs: e.mtimeMs });
        w.item({ host: h.name, out: `${dir}/files`, kind: 'files', command: filesTarCommand(), exitCode: r.exitCode, startedAt: tf, durationMs: Date.now() - tf, stderr: r.stderr });
      } catch (err) {
        checkCancel();
        failed++;
        w.item({ host: h.name, out: `${dir}/files`, kind: 'files', command: filesTarCommand(), exitCode: null, durationMs: Date.now() - tf, stderr: '', error: HangarError.from(err).message });
      }
      tick();
    })();
    await Promise.all([commands, processes, files]);
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
