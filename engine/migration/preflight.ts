import type { Message } from '../contract/message';
import type { MigrationStorage } from '../contract/migration';
import type { HostRefusal } from '../contract/placement';
import type { MigrationFacts, MigrationPath } from '../xml/domain-migration';

/**
 * Pre-flight reasoning, pure: what keeps a VM from moving at all, and what keeps one host from
 * taking it. The facts are gathered elsewhere (probe.ts); nothing here reaches a host.
 */

const m = (key: string, args: Record<string, string | number> = {}): Message => ({ key, args });

/** What the source says about one path the VM uses. */
export interface SourcePath extends MigrationPath {
  /** On storage both hosts can see (a shared file system, by its mount type on the source). */
  shared: boolean;
  /** Hangar's cloud-init seed ISO (named after the VM). */
  seed: boolean;
  /** The libvirt pool and volume it is, when it is one; its size in bytes (0 when unknown). */
  pool: string | null;
  volume: string | null;
  bytes: number;
}

/** What one candidate host says. */
export interface TargetProbe {
  hostId: string;
  host: string;
  /** Could not be asked (down, no SSH): the reason, and nothing else is judged. */
  error: string | null;
  /** Paths that exist there. */
  present: ReadonlySet<string>;
  /** A running domain there with the VM's UUID, or (another) with its name. */
  uuidActive: boolean;
  nameActive: boolean;
  /** Pools there by name: active, free bytes, and the volume names they hold. */
  pools: ReadonlyMap<string, { active: boolean; available: number; volumes: ReadonlySet<string> }>;
  cpuModel: string | null;
  /** The host's libvirt networks: name → running. */
  networks: ReadonlyMap<string, boolean>;
  /** Whether the host's hypervisor can run the guest's CPU as it runs now (null: not asked, or it could not tell). */
  cpuCompatible: boolean | null;
}

export interface PreflightInput {
  vm: { name: string; live: boolean; cpuMode: string | null };
  facts: MigrationFacts;
  paths: SourcePath[];
  storage: MigrationStorage;
  /** Per disk target, the pool chosen on the target (default: the source pool's name). */
  diskPools: Readonly<Record<string, string>>;
  sourceCpuModel: string | null;
}

/** A disk that must be copied to move: writable, on storage only its host sees. */
export const needsCopy = (p: SourcePath): boolean => p.kind === 'disk' && !p.readonly && !p.shared;

/** The pool a copied disk goes to on the target. */
export const targetPoolOf = (p: SourcePath, diskPools: Readonly<Record<string, string>>): string | null => (p.target ? (diskPools[p.target] ?? p.pool) : null);

/** What keeps the VM from moving, whatever the target. */
export function vmBlockers(input: PreflightInput): Message[] {
  const out: Message[] = [];
  if (input.facts.hostDevices.length) out.push(m('migration.block.hostDevice', { devices: input.facts.hostDevices.join(', ') }));
  const local = input.paths.filter(needsCopy);
  if (input.vm.live && input.storage === 'shared') for (const d of local) out.push(m('migration.block.localDisk', { disk: d.target ?? '?', path: d.path }));
  if (input.storage === 'copy' || !input.vm.live) {
    for (const d of local) if (!d.pool || !d.volume) out.push(m('migration.block.notVolume', { disk: d.target ?? '?', path: d.path }));
  }
  return out;
}

/** Why `t` cannot take the VM (empty: it can), besides what placement says. */
export function hostReasons(input: PreflightInput, t: TargetProbe): Message[] {
  const host = t.host;
  if (t.error) return [m('migration.why.unchecked', { host, error: t.error })];
  const why: Message[] = [];
  if (t.uuidActive) why.push(m('migration.why.uuidActive', { host }));
  else if (t.nameActive) why.push(m('migration.why.nameActive', { host, name: input.vm.name }));
  const copying = input.storage === 'copy' || !input.vm.live;
  for (const p of input.paths) {
    // Copied with the move, or (shared storage asked for) a VM-level blocker already says it.
    if (needsCopy(p)) continue;
    if (!t.present.has(p.path)) why.push(m(`migration.why.missing.${p.seed ? 'seed' : p.kind}`, { host, path: p.path, disk: p.target ?? '' }));
  }
  for (const net of input.facts.networks) {
    const active = t.networks.get(net);
    if (active === undefined) why.push(m('migration.why.noNetwork', { host, network: net }));
    else if (!active && input.vm.live) why.push(m('migration.why.networkInactive', { host, network: net }));
  }
  if (copying) {
    const need = new Map<string, number>();
    for (const p of input.paths.filter(needsCopy)) {
      const pool = targetPoolOf(p, input.diskPools);
      if (!pool || !p.volume) continue;
      const there = t.pools.get(pool);
      if (!there) why.push(m('migration.why.noPool', { host, pool, disk: p.target ?? '' }));
      else if (!there.active) why.push(m('migration.why.poolInactive', { host, pool }));
      else if (there.volumes.has(p.volume)) why.push(m('migration.why.volumeExists', { host, pool, volume: p.volume }));
      else need.set(pool, (need.get(pool) ?? 0) + p.bytes);
    }
    for (const [pool, bytes] of need) {
      const there = t.pools.get(pool)!;
      if (bytes > there.available) why.push(m('migration.why.poolSpace', { host, pool, needGiB: gib(bytes), freeGiB: gib(there.available) }));
    }
  }
  // host-passthrough hands the guest the source's exact CPU: only the same model can take it over.
  if (input.vm.live && input.vm.cpuMode === 'host-passthrough' && input.sourceCpuModel && t.cpuModel && t.cpuModel !== input.sourceCpuModel) {
    why.push(m('migration.why.cpu', { host, model: t.cpuModel, vmModel: input.sourceCpuModel }));
  }
  if (input.vm.live && t.cpuCompatible === false) why.push(m('migration.why.cpuIncompatible', { host }));
  return why;
}

const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);

/**
 * Placement's verdicts and the migration's own, merged per host: a host is a candidate only when
 * neither has a reason against it. The source host is never a candidate and is not listed.
 */
export function mergeVerdicts(
  placement: { fit: { hostId: string; host: string; warnings: Message[] }[]; refusals: HostRefusal[] },
  own: Map<string, Message[]>,
  sourceHostId: string,
): { candidates: { hostId: string; host: string; warnings: Message[] }[]; refused: HostRefusal[] } {
  const refused: HostRefusal[] = [];
  const candidates: { hostId: string; host: string; warnings: Message[] }[] = [];
  for (const f of placement.fit) {
    if (f.hostId === sourceHostId) continue;
    const reasons = own.get(f.hostId) ?? [];
    if (reasons.length) refused.push({ hostId: f.hostId, host: f.host, reasons });
    else candidates.push(f);
  }
  for (const r of placement.refusals) {
    if (r.hostId === sourceHostId) continue;
    refused.push({ ...r, reasons: [...r.reasons, ...(own.get(r.hostId) ?? [])] });
  }
  return { candidates, refused };
}
