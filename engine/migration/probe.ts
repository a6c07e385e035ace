import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { FleetLinks } from '../hosts/fleet';
import { DomainState, DomainXmlFlag, isNotFound, ListActiveFlag, ListDomainsFlag, StoragePoolState, type LibvirtConnection } from '../libvirt';
import { guestCpu, migrationFacts, type GuestCpu, type MigrationFacts } from '../xml/domain-migration';
import { parseDomainXml } from '../xml/domain-read';
import type { SourcePath, TargetProbe } from './preflight';
import { ProbeBatch } from './probe-batch';

/** File systems every host mounting them sees alike: a disk there needs no copy (libvirt's own list, plus FUSE subtypes). */
const SHARED_FS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'glusterfs', 'fuse.glusterfs', 'ceph', 'fuse.ceph-fuse', 'gpfs', 'ocfs2', 'gfs2', 'lustre', 'beegfs', 'fuse.quobyte', 'fuse.beegfs']);

/** Commands on a host run with a short limit: a probe that hangs must not hold a pre-flight. */
const PROBE_MS = 15_000;
const PROBE_PER_PATH_MS = 50;

export type Fleet = Pick<FleetLinks, 'libvirt' | 'ssh' | 'hosts'>;

/** Runs one quoted command per path on the host; one output line per path (the batch's callers' paths in one exec). */
async function perPath(fleet: Fleet, hostId: string, script: string, paths: readonly string[], batch: ProbeBatch): Promise<string[]> {
  if (paths.length === 0) return [];
  return batch.lines(`${hostId}\0${script}`, paths, (all) => runPerPath(fleet, hostId, script, all));
}

async function runPerPath(fleet: Fleet, hostId: string, script: string, paths: string[]): Promise<string[]> {
  const ssh = fleet.ssh(hostId);
  if (!ssh) throw new HangarError('UNSUPPORTED', 'This host is not reached over SSH, so its files cannot be checked');
  // A batch of a few hundred paths gets time for each; one hung path still ends it.
  const r = await ssh.exec(['sh', '-c', `for p in "$@"; do ${script}; done`, 'sh', ...paths], { timeoutMs: PROBE_MS + paths.length * PROBE_PER_PATH_MS });
  const lines = r.stdout.split('\n').slice(0, paths.length);
  if (lines.length < paths.length) throw new HangarError('INTERNAL', `Could not check paths on the host: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return lines;
}

export interface SourceView {
  xml: string;
  inactiveXml: string;
  facts: MigrationFacts;
  paths: SourcePath[];
  live: boolean;
  cpuMode: string | null;
  cpu: GuestCpu;
}

/** The VM on its source host: its XML, its paths and which of them are on shared storage, with their volumes. */
export async function probeSource(fleet: Fleet, vm: { hostId: string; uuid: string; name: string }, batch = new ProbeBatch()): Promise<SourceView> {
  const conn = fleet.libvirt(vm.hostId);
  const dom = await conn.domainLookupByUuid(vm.uuid);
  const st = await conn.domainGetState(dom);
  const live = st.state === DomainState.RUNNING || st.state === DomainState.PAUSED;
  // A stopped domain has one definition: its XML is its inactive XML (half the calls for a plan of stopped VMs).
  const [xml, inactiveXml] = live ? await Promise.all([conn.domainGetXmlDesc(dom, 0), conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE)]) : await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE).then((x): [string, string] => [x, x]);
  const facts = migrationFacts(xml);
  // A source not reached over SSH (the local host) cannot say: its disks count as its own, to be copied.
  const fsTypes = await perPath(fleet, vm.hostId, `findmnt -n -o FSTYPE -T "$p" 2>/dev/null | head -n 1 | grep . || echo '?'`, facts.paths.map((p) => p.path), batch).catch((err: unknown) => {
    if (HangarError.from(err).code === 'UNSUPPORTED') return facts.paths.map(() => '?');
    throw err;
  });
  const paths = await Promise.all(
    facts.paths.map(async (p, i): Promise<SourcePath> => {
      const vol = await batch.once(`vol\0${vm.hostId}\0${p.path}`, () => volumeOf(conn, p.path));
      return { ...p, shared: SHARED_FS.has((fsTypes[i] ?? '').trim()), seed: p.kind === 'cdrom' && p.path.endsWith(`/${vm.name}-seed.iso`), ...vol };
    }),
  );
  return { xml, inactiveXml, facts, paths, live, cpuMode: parseDomainXml(inactiveXml).cpuMode, cpu: guestCpu(xml) };
}

async function volumeOf(conn: LibvirtConnection, path: string): Promise<{ pool: string | null; volume: string | null; bytes: number }> {
  try {
    const vol = await conn.storageVolLookupByPath(path);
    const info = await conn.storageVolGetInfo(vol);
    return { pool: vol.pool, volume: vol.name, bytes: Number(info.capacity) };
  } catch (err) {
    if (isNotFound(err) || HangarError.from(err).code === 'LIBVIRT_ERROR') return { pool: null, volume: null, bytes: 0 };
    throw err;
  }
}

/** One candidate host: which paths it has, whether the VM (or its name) runs there, its pools. */
export async function probeTarget(fleet: Fleet, host: Host, vm: { uuid: string; name: string }, paths: readonly string[], cpu: GuestCpu | null, copyPools: readonly string[], batch = new ProbeBatch()): Promise<TargetProbe> {
  const base = { hostId: host.id, host: host.name, present: new Set<string>(), uuidActive: false, nameActive: false, pools: new Map(), networks: new Map(), cpuModel: host.facts?.cpuModel ?? null, cpuCompatible: null };
  if (host.state !== 'connected') return { ...base, error: `not connected (${host.state})` };
  try {
    const conn = fleet.libvirt(host.id);
    const [exists, active, pools, cpuCompatible, networks] = await Promise.all([
      perPath(fleet, host.id, `if [ -e "$p" ]; then echo 1; else echo 0; fi`, paths, batch),
      batch.once(`active\0${host.id}`, () => conn.listAllDomains(ListDomainsFlag.ACTIVE)),
      poolsOf(conn, host.id, copyPools, batch),
      cpu?.xml ? batch.once(`cpu\0${host.id}\0${JSON.stringify(cpu)}`, () => cpuFits(conn, cpu)) : cpuFits(conn, cpu),
      batch.once(`networks\0${host.id}`, () => networksOf(conn)),
    ]);
    return {
      ...base,
      error: null,
      present: new Set(paths.filter((_, i) => exists[i]?.trim() === '1')),
      uuidActive: active.some((d) => d.uuid === vm.uuid),
      nameActive: active.some((d) => d.name === vm.name),
      pools,
      cpuCompatible,
      networks,
    };
  } catch (err) {
    return { ...base, error: HangarError.from(err).message };
  }
}

/**
 * Asks the target's hypervisor about the guest CPU as it runs (host-passthrough is the source's
 * own CPU: compared by model in pre-flight instead). A daemon that cannot say counts as unknown.
 */
async function cpuFits(conn: LibvirtConnection, cpu: GuestCpu | null): Promise<boolean | null> {
  if (!cpu?.xml || cpu.mode === 'host-passthrough' || cpu.mode === 'maximum') return null;
  try {
    return (await conn.compareHypervisorCpu(cpu, cpu.xml)) !== 0;
  } catch (err) {
    if (HangarError.from(err).code === 'LIBVIRT_ERROR') return null;
    throw err;
  }
}

async function networksOf(conn: LibvirtConnection): Promise<Map<string, boolean>> {
  const [all, active] = await Promise.all([conn.listAllNetworks(0), conn.listAllNetworks(ListActiveFlag.ACTIVE)]);
  const on = new Set(active.map((n) => n.name));
  return new Map(all.map((n) => [n.name, on.has(n.name)]));
}

/** Only the pools copies would go to are read (a host may hold thousands of volumes elsewhere); a missing one is absent from the map. */
async function poolsOf(conn: LibvirtConnection, hostId: string, names: readonly string[], batch: ProbeBatch): Promise<TargetProbe['pools']> {
  const out = new Map<string, PoolView>();
  for (const name of new Set(names)) {
    const view = await batch.once(`pool\0${hostId}\0${name}`, () => poolView(conn, name));
    if (view) out.set(name, view);
  }
  return out;
}

type PoolView = { active: boolean; available: number; volumes: ReadonlySet<string> };

async function poolView(conn: LibvirtConnection, name: string): Promise<PoolView | null> {
  let pool;
  try {
    pool = await conn.storagePoolLookupByName(name);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const info = await conn.storagePoolGetInfo(pool);
  const active = info.state === StoragePoolState.RUNNING;
  const volumes = active ? new Set((await conn.listAllVolumes(pool)).map((v) => v.name)) : new Set<string>();
  return { active, available: Number(info.available), volumes };
}
