/**
 * Metrics: one sampler per connected host, the fleet totals, the history store, the live topic,
 * chart queries and top consumers. engine.ts constructs it and forwards host connect/lost events.
 */
import { HangarError } from '../contract/errors';
import { SERIES, type MetricValues, type MetricsQueryResult, type MetricsSample, type MetricsTarget, type TopConsumersResult, type TopMetric } from '../contract/metrics';
import type { LibvirtConnection } from '../libvirt/connection';
import type { LibvirtEvent } from '../libvirt';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { HostSampler, type HostRound } from './host-sampler';
import { MetricsStore, type Res } from './metrics-store';
import { parsePoolProbe, poolProbeCommand } from './pool-identity';
import type { Values } from './rates';

export interface MetricsDeps {
  db: Db;
  logger: Logger;
  intervalSec: () => number;
  /** VMs the inventory knows: per host (hostId) or the whole fleet (undefined). */
  vmCount: (hostId?: string) => number;
  /** Domains the inventory shows as migrating on a host. */
  migrating: (hostId: string) => Array<{ uuid: string; name: string }>;
  /** Runs a shell command on a host (none for the local one); used to recognise shared pools. */
  hostShell?: (hostId: string) => ((command: string) => Promise<string>) | null;
  publish: (sample: MetricsSample) => void;
  now?: () => number;
  /** VMs in the fleet now (by id, the UUID): a removed host's VMs leave Top consumers with it (their history stays). */
  vmExists?: (vmId: string) => boolean;
}

const STEP_MS: Record<Res, number> = { raw: 5000, '1m': 60_000, '1h': 3_600_000 };
const VM = SERIES.vm;
const idx = (name: (typeof VM)[number]) => VM.indexOf(name);

/** Which VM series make up each top-consumers metric, summed, and its unit. */
const TOP: Record<TopMetric, { series: number[]; unit: TopConsumersResult['unit'] }> = {
  cpu: { series: [idx('cpu')], unit: 'percent' },
  memory: { series: [idx('memUsed')], unit: 'bytes' },
  swap: { series: [idx('swapIn'), idx('swapOut')], unit: 'bytesPerSec' },
  vcpuWait: { series: [idx('vcpuWait')], unit: 'percent' },
  storageThroughput: { series: [idx('diskRd'), idx('diskWr')], unit: 'bytesPerSec' },
  storageIops: { series: [idx('diskRdIops'), idx('diskWrIops')], unit: 'opsPerSec' },
};

export class MetricsService {
  readonly store: MetricsStore;
  private readonly samplers = new Map<string, HostSampler>();
  private readonly latest = new Map<string, HostRound>();
  private fleetTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: MetricsDeps) {
    this.now = deps.now ?? Date.now;
    this.store = new MetricsStore(deps.db, this.now);
  }

  /** The store only: queries answer from here on; sampling waits for `start`. */
  async init(): Promise<void> {
    await this.store.init();
  }

  /** Fleet totals every interval (host samplers start as hosts connect). */
  start(): void {
    this.scheduleFleet();
  }

  private intervalMs(): number {
    return Math.max(1, this.deps.intervalSec()) * 1000;
  }

  hostConnected(hostId: string, conn: LibvirtConnection): void {
    this.hostLost(hostId);
    const s = new HostSampler(
      hostId,
      conn,
      {
        vmCount: () => this.deps.vmCount(hostId),
        migrating: () => this.deps.migrating(hostId),
        sharedPools: async (paths) => {
          const run = this.deps.hostShell?.(hostId);
          return run && paths.length ? parsePoolProbe(await run(poolProbeCommand(paths)), paths) : new Map();
        },
      },
      () => this.intervalMs(),
      (r) => this.onRound(r),
      (err) => this.deps.logger.warn('metrics round failed', { hostId, error: err.message }),
    );
    this.samplers.set(hostId, s);
    s.start();
  }

  /** libvirt's events say when a migration runs (each memory pass) and when its job completed. */
  onEvent(hostId: string, ev: LibvirtEvent): void {
    if (ev.kind === 'domain-migration-iteration') this.samplers.get(hostId)?.watchMigration(ev.dom.uuid, ev.dom.name);
    else if (ev.kind === 'domain-job-completed') this.samplers.get(hostId)?.migrationEnded(ev.dom.uuid);
  }

  hostLost(hostId: string): void {
    this.samplers.get(hostId)?.stop();
    this.samplers.delete(hostId);
    this.latest.delete(hostId);
  }

  private onRound(r: HostRound): void {
    this.latest.set(r.hostId, r);
    this.store.add(r.at, r.entities);
    // One sample per VM and one for the host, so a chart's subscription carries only its own data.
    const perVm = new Map<string, MetricValues[]>();
    const own: MetricValues[] = [];
    for (const e of r.entities) {
      const vmId = e.kind === 'vm' ? e.key.slice(3) : e.kind === 'disk' || e.kind === 'nic' ? e.key.slice(e.key.indexOf(':') + 1, e.key.lastIndexOf('/')) : null;
      if (vmId === null) own.push(e);
      else {
        let list = perVm.get(vmId);
        if (!list) perVm.set(vmId, (list = []));
        list.push(e);
      }
    }
    for (const [vmId, entities] of perVm) this.deps.publish({ at: r.at, hostId: r.hostId, vmId, entities });
    this.deps.publish({ at: r.at, hostId: r.hostId, entities: own });
  }

  /** The interval changed: the next rounds pick it up by themselves; the fleet timer restarts. */
  settingsChanged(): void {
    if (this.fleetTimer) this.scheduleFleet();
  }

  private scheduleFleet(): void {
    if (this.fleetTimer) clearInterval(this.fleetTimer);
    this.fleetTimer = setInterval(() => this.fleetRound(), this.intervalMs());
    this.fleetTimer.unref?.();
  }

  /**
   * Fleet totals from each host's latest round (stale hosts left out): sums, CPU weighted by
   * cores, and storage with a pool several hosts share (same identity) counted once.
   */
  fleetRound(): void {
    const at = this.now();
    const fresh = [...this.latest.values()].filter((r) => at - r.at < 3 * this.intervalMs());
    const n = SERIES.fleet.length;
    const v: Values = new Array(n).fill(0);
    let cores = 0;
    let busyCores = 0;
    let anyCpu = false;
    for (const r of fresh) {
      for (let i = 1; i < n; i++) v[i] = (v[i] as number) + (r.host[i] ?? 0);
      if (r.host[0] != null) {
        anyCpu = true;
        cores += r.hostCpus;
        busyCores += (r.host[0] / 100) * r.hostCpus;
      }
    }
    v[0] = anyCpu && cores ? (busyCores / cores) * 100 : null;
    const pools = new Map(fresh.flatMap((r) => r.pools.map((p) => [p.key, p] as const)));
    v[SERIES.fleet.indexOf('storageCap')] = [...pools.values()].reduce((a, p) => a + p.capacity, 0);
    v[SERIES.fleet.indexOf('storageAlloc')] = [...pools.values()].reduce((a, p) => a + p.allocation, 0);
    v[3] = this.deps.vmCount();
    if (!fresh.length) for (let i = 0; i < n; i++) if (i !== 3) v[i] = null;
    const entities = [{ key: 'fleet', kind: 'fleet' as const, label: 'fleet', values: v }];
    this.store.add(at, entities);
    this.deps.publish({ at, hostId: 'fleet', entities });
  }

  async query(target: MetricsTarget, from: number, to: number | undefined, maxPoints: number): Promise<MetricsQueryResult> {
    const now = this.now();
    const end = Math.min(to ?? now, now + 60_000);
    if (end <= from) throw new HangarError('INVALID_PARAMS', 'The range ends before it starts');
    const res = MetricsStore.resolutionFor(from, end, now);
    const step = STEP_MS[res];
    const bucketMs = Math.max(step, Math.ceil((end - from) / maxPoints / step) * step);
    const keys =
      target.kind === 'vm'
        ? [`vm:${target.vmId}`, ...this.store.keysWithPrefix(`nic:${target.vmId}/`), ...this.store.keysWithPrefix(`disk:${target.vmId}/`)]
        : target.kind === 'host'
          ? [`host:${target.hostId}`, ...this.store.keysWithPrefix(`pool:${target.hostId}/`)]
          : ['fleet'];
    const groups = await this.store.points(keys, res, from, end, bucketMs);
    return {
      resolution: res,
      stepMs: bucketMs,
      groups: groups.map((g) => {
        const n = SERIES[g.kind].length;
        const col = (which: 'avg' | 'max') => Array.from({ length: n }, (_, i) => g.points.map((p) => p[which][i] ?? null));
        return { key: g.key, kind: g.kind, label: g.label, t: g.points.map((p) => p.t), avg: col('avg'), max: col('max') };
      }),
    };
  }

  async top(metric: TopMetric, periodSec: number, count: number): Promise<TopConsumersResult> {
    const now = this.now();
    const from = now - periodSec * 1000;
    const res: Res = periodSec <= 3600 ? '1m' : '1h';
    const exists = this.deps.vmExists;
    // vm keys are `vm:<vmId>`
    const keys = this.store.keysOfKind('vm').filter((k) => !exists || exists(k.slice(3)));
    const groups = await this.store.points(keys, res, from, now + 1, STEP_MS[res]);
    const spec = TOP[metric];
    const items = groups
      .map((g) => {
        let sum = 0;
        let cnt = 0;
        for (const p of g.points) {
          let v = 0;
          let any = false;
          for (const i of spec.series) {
            const x = p.avg[i];
            if (x != null) {
              v += x;
              any = true;
            }
          }
          if (any) {
            sum += v;
            cnt++;
          }
        }
        return { vmId: g.key.slice(3), label: g.label, value: cnt ? sum / cnt : -1 };
      })
      .filter((x) => x.value >= 0)
      .sort((a, b) => b.value - a.value)
      .slice(0, count);
    return { metric, unit: spec.unit, items };
  }

  async close(): Promise<void> {
    for (const id of [...this.samplers.keys()]) this.hostLost(id);
    if (this.fleetTimer) clearInterval(this.fleetTimer);
    this.fleetTimer = null;
    await this.store.flush();
  }
}
