/**
 * One host's sampling loop: each round is one bulk virConnectGetAllDomainStats for every running
 * domain, the host's CPU and memory counters and its pools' capacity, all pipelined on the host's
 * own libvirt connection. Rounds never overlap, every call has a deadline, and each host has its
 * own loop, so a slow or unreachable host delays nobody else.
 */
import { HangarError } from '../contract/errors';
import type { MetricValues } from '../contract/metrics';
import type { LibvirtConnection } from '../libvirt/connection';
import { DomainJobType, DomainState, DomainStatsType as T, GetAllDomainStatsFlag, ListActiveFlag, PausedReason } from '../libvirt/protocol/flags';
import * as D from '../libvirt/protocol/domain';
import type { StoragePoolRef } from '../libvirt/protocol/types';
import { parseDomainStats, type DomainCounters } from './counters';
import { migrationValues, type MigrationValues } from './migration';
import { poolTargetPath } from '../xml/pool';
import { hostCpuBusy, hostMemory, vmRates, type Values } from './rates';

export const STATS_GROUPS = T.STATE | T.CPU_TOTAL | T.BALLOON | T.VCPU | T.INTERFACE | T.BLOCK;
/** NOWAIT: skip a domain busy in a job rather than wait for it. */
export const STATS_FLAGS = GetAllDomainStatsFlag.ACTIVE | GetAllDomainStatsFlag.NOWAIT;

/**
 * A VM's series is keyed by its UUID whatever host runs it (DESIGN §8). While it migrates both hosts
 * have a copy; the one paused for the migration runs nothing, so only the other feeds the series.
 */
function pausedForMigration(params: readonly { field: string; value: unknown }[]): boolean {
  let state: unknown;
  let reason: unknown;
  for (const p of params) {
    if (p.field === 'state.state') state = p.value;
    else if (p.field === 'state.reason') reason = p.value;
  }
  return state === DomainState.PAUSED && reason === PausedReason.MIGRATION;
}
/** Pools change rarely: list them every this many rounds, read their capacity every round. */
const POOL_LIST_EVERY = 12;

export interface HostRound {
  at: number;
  hostId: string;
  entities: MetricValues[];
  /** Host-level values (SERIES.host) for the fleet totals. */
  host: Values;
  /** Its pools with their identity: a shared pool has the same `key` on every host that mounts it. */
  pools: PoolShare[];
  hostCpus: number;
  cpuMs: number;
}

export interface PoolShare {
  key: string;
  capacity: number;
  allocation: number;
}

export interface HostContext {
  /**
   * Identities of pool target directories on a shared filesystem (path → identity); paths left
   * out are this host's own. Absent where the host has no shell (then every pool is its own).
   */
  sharedPools?(paths: string[]): Promise<Map<string, string>>;
  /** All VMs the inventory knows on this host: count, and names for domains not running. */
  vmCount(): number;
  /** Domains the inventory shows as migrating (by UUID, with their names). */
  migrating(): Array<{ uuid: string; name: string }>;
}

const NO_MIGRATION: MigrationValues = [null, null, null];

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HangarError('TIMEOUT', `${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The pure part of a round: counters in, values out (no I/O), so it can be measured alone. */
export class RoundComputer {
  private prev = new Map<string, DomainCounters>();
  private prevAt = 0;
  private prevCpu: Record<string, number> | undefined;

  constructor(
    readonly hostId: string,
    public hostCpus: number,
  ) {}

  compute(
    at: number,
    records: readonly D.DomainStatsRecord[],
    cpu: Record<string, number> | null,
    mem: Record<string, number> | null,
    pools: { name: string; capacity: number; allocation: number; available: number; key?: string }[],
    vmCount: number,
    migrations: ReadonlyMap<string, MigrationValues> = new Map(),
    /** Physical memory as libvirt's node info says (what the Hosts page shows), bytes. */
    physicalMemory: number | null = null,
  ): Omit<HostRound, 'cpuMs'> {
    const dt = this.prevAt ? (at - this.prevAt) / 1000 : 0;
    const next = new Map<string, DomainCounters>();
    const entities: MetricValues[] = [];
    let vcpus = 0;
    let vcpuUsed = 0;
    let vmMem = 0;
    let vmMemUsed = 0;
    const tot = [0, 0, 0, 0]; // diskRd, diskWr, netRx, netTx
    for (const r of records) {
      const c = parseDomainStats(r.params);
      next.set(r.dom.uuid, c);
      const vmId = r.dom.uuid;
      const rates = vmRates(this.prev.get(r.dom.uuid), c, dt, this.hostCpus);
      if (!pausedForMigration(r.params)) {
        entities.push({ key: `vm:${vmId}`, kind: 'vm', label: r.dom.name, values: [...rates.vm, ...(migrations.get(r.dom.uuid) ?? NO_MIGRATION)] });
        for (const d of rates.disks) entities.push({ key: `disk:${vmId}/${d.name}`, kind: 'disk', label: d.name, values: d.values });
        for (const n of rates.nics) entities.push({ key: `nic:${vmId}/${n.name}`, kind: 'nic', label: n.name, values: n.values });
      }
      vcpus += c.vcpus;
      if (rates.vm[0] != null) vcpuUsed += (rates.vm[0] / 100) * c.vcpus;
      vmMem += (c.balloonCurrent ?? 0) * 1024;
      vmMemUsed += rates.vm[2] ?? 0;
      tot[0]! += rates.vm[7] ?? 0;
      tot[1]! += rates.vm[8] ?? 0;
      tot[2]! += rates.vm[11] ?? 0;
      tot[3]! += rates.vm[12] ?? 0;
    }
    this.prev = next;
    this.prevAt = at;
    const busy = cpu ? hostCpuBusy(this.prevCpu, cpu) : null;
    if (cpu) this.prevCpu = cpu;
    const m = mem ? hostMemory(mem) : { used: null, total: null };
    // One definition of a host's memory everywhere: libvirt's node info, as on the Hosts page and
    // in placement. The memory counters can see more (a host confined to part of a machine).
    if (physicalMemory) {
      m.total = physicalMemory;
      if (m.used != null) m.used = Math.min(m.used, physicalMemory);
    }
    let cap = 0;
    let alloc = 0;
    const shares: PoolShare[] = [];
    for (const p of pools) {
      entities.push({ key: `pool:${this.hostId}/${p.name}`, kind: 'pool', label: p.name, values: [p.capacity, p.allocation, p.available] });
      cap += p.capacity;
      alloc += p.allocation;
      shares.push({ key: p.key ?? `${this.hostId}/${p.name}`, capacity: p.capacity, allocation: p.allocation });
    }
    const host: Values = [busy, m.used, m.total, vmCount, records.length, vcpus, vcpuUsed, vmMem, vmMemUsed, cap, alloc, tot[0]!, tot[1]!, tot[2]!, tot[3]!];
    entities.push({ key: `host:${this.hostId}`, kind: 'host', label: this.hostId, values: host });
    return { at, hostId: this.hostId, entities, host, pools: shares, hostCpus: this.hostCpus };
  }
}

export class HostSampler {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly computer: RoundComputer;
  private pools: StoragePoolRef[] = [];
  /** Pool name → identity of a pool on a shared filesystem (refreshed with the pool list). */
  private poolKeys = new Map<string, string>();
  private physicalMemory: number | null = null;
  private rounds = 0;
  /** Domains a migration-iteration event named: watched until libvirt reports no job. */
  private readonly migrating = new Map<string, string>();

  constructor(
    readonly hostId: string,
    private readonly conn: LibvirtConnection,
    private readonly ctx: HostContext,
    private readonly intervalMs: () => number,
    private readonly onRound: (r: HostRound) => void,
    private readonly onError: (err: HangarError) => void,
  ) {
    this.computer = new RoundComputer(hostId, 0);
  }

  start(): void {
    this.schedule(0);
  }

  /** A migration runs on this domain (libvirt said so by an event): sample its job from now on. */
  watchMigration(uuid: string, name: string): void {
    this.migrating.set(uuid, name);
  }

  migrationEnded(uuid: string): void {
    this.migrating.delete(uuid);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const started = Date.now();
    try {
      await this.round();
    } catch (err) {
      this.onError(HangarError.from(err));
    }
    const interval = this.intervalMs();
    // Keep the cadence: the next round starts one interval after this one started.
    this.schedule(Math.max(interval / 5, interval - (Date.now() - started)));
  }

  /** Which of this host's pools live on a shared filesystem, and as what (see pool-identity.ts). */
  private async identifyPools(): Promise<Map<string, string>> {
    const probe = this.ctx.sharedPools;
    if (!probe || this.pools.length === 0) return new Map();
    const paths = new Map<string, string>();
    await Promise.all(
      this.pools.map(async (p) => {
        const path = poolTargetPath(await this.conn.storagePoolGetXmlDesc(p));
        if (path) paths.set(p.name, path);
      }),
    );
    const shared = await probe([...new Set(paths.values())]);
    return new Map([...paths].flatMap(([name, path]) => (shared.has(path) ? [[name, shared.get(path)!] as const] : [])));
  }

  /** One round (public for tests and the benchmark). */
  async round(): Promise<HostRound> {
    const deadline = Math.max(3000, this.intervalMs());
    // Node info (CPUs, memory) and the pools change rarely: read with the pool list. Memory can
    // change (hot-plugged, or a host confined to part of a machine), so it is not read once only.
    const slow = this.rounds++ % POOL_LIST_EVERY === 0;
    if (!this.computer.hostCpus || slow) {
      const node = await withDeadline(this.conn.nodeGetInfo(), deadline, 'node info');
      this.computer.hostCpus = node.cpus;
      this.physicalMemory = node.memory * 1024;
    }
    if (slow) {
      this.pools = await withDeadline(this.conn.listAllStoragePools(ListActiveFlag.ACTIVE), deadline, 'pool list').catch(() => this.pools);
      this.poolKeys = await withDeadline(this.identifyPools(), deadline, 'pool identity').catch(() => this.poolKeys);
    }
    const at = Date.now();
    const watched = new Map(this.migrating);
    for (const d of this.ctx.migrating()) watched.set(d.uuid, d.name);
    const [records, cpu, mem, pools, jobs] = await Promise.all([
      this.conn.rpc.call(D.connectGetAllDomainStats, { doms: [], stats: STATS_GROUPS, flags: STATS_FLAGS }, { timeoutMs: deadline }),
      withDeadline(this.conn.nodeGetCpuStats(), deadline, 'host CPU stats').catch(() => null),
      withDeadline(this.conn.nodeGetMemoryStats(), deadline, 'host memory stats').catch(() => null),
      Promise.all(
        this.pools.map((p) =>
          withDeadline(this.conn.storagePoolGetInfo(p), deadline, 'pool info').then(
            (i) => ({ name: p.name, capacity: i.capacity, allocation: i.allocation, available: i.available, key: this.poolKeys.get(p.name) }),
            () => null,
          ),
        ),
      ),
      // Only the few domains being migrated: one job-stats call each, in the same round trip.
      Promise.all(
        [...watched].map(([uuid, name]) =>
          withDeadline(this.conn.domainGetJobStats({ name, uuid, id: -1 }), deadline, 'migration job stats').then(
            (j) => {
              if (j.type === DomainJobType.NONE) this.migrating.delete(uuid);
              return [uuid, j.type === DomainJobType.NONE ? NO_MIGRATION : migrationValues(j.params)] as const;
            },
            () => [uuid, NO_MIGRATION] as const,
          ),
        ),
      ),
    ]);
    const c0 = process.cpuUsage();
    const out = this.computer.compute(at, records, cpu, mem, pools.filter((p) => p !== null), this.ctx.vmCount(), new Map(jobs), this.physicalMemory);
    const c = process.cpuUsage(c0);
    const result = { ...out, cpuMs: (c.user + c.system) / 1000 };
    this.onRound(result);
    return result;
  }
}
