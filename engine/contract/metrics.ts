import { z } from 'zod';

/**
 * Metrics (issue 8). Every stored series belongs to an entity with a fixed list of series; a
 * sample is one number (or null when the host does not report it) per series, in that order.
 * Units: percentages 0–100 (CPU may exceed 100 of the host's share only by rounding), bytes,
 * bytes/s, operations/s, packets/s.
 */
export const ENTITY_KINDS = ['vm', 'nic', 'disk', 'host', 'pool', 'fleet'] as const;
export const EntityKind = z.enum(ENTITY_KINDS);
export type EntityKind = z.infer<typeof EntityKind>;

/**
 * The series of each kind, in storage order. Never reorder or remove: stored rows are decoded by
 * position. Append only.
 *  vm:   cpu (% of its vCPUs), cpuHost (% of the host's CPUs), memUsed/memTotal (bytes),
 *        swapIn/swapOut (bytes/s, guest-reported), vcpuWait (% of its vCPUs' time waiting for a CPU),
 *        diskRd/diskWr (bytes/s), diskRdIops/diskWrIops, netRx/netTx (bytes/s), netRxPkts/netTxPkts,
 *        migBps (bytes/s), migRemaining (bytes), migProgress (%) while a migration runs, else null.
 *  host: cpu (% busy), memUsed/memTotal, vms/running (counts), vcpus (of running VMs), vcpuUsed
 *        (cores busy in its VMs), vmMem/vmMemUsed (bytes), storageCap/storageAlloc (bytes, its pools),
 *        diskRd/diskWr/netRx/netTx (its VMs' totals).
 *  fleet: the same as host, summed over hosts (cpu averaged by cores).
 */
export const SERIES = {
  vm: ['cpu', 'cpuHost', 'memUsed', 'memTotal', 'swapIn', 'swapOut', 'vcpuWait', 'diskRd', 'diskWr', 'diskRdIops', 'diskWrIops', 'netRx', 'netTx', 'netRxPkts', 'netTxPkts', 'migBps', 'migRemaining', 'migProgress'],
  nic: ['rx', 'tx', 'rxPkts', 'txPkts'],
  disk: ['rd', 'wr', 'rdIops', 'wrIops'],
  host: ['cpu', 'memUsed', 'memTotal', 'vms', 'running', 'vcpus', 'vcpuUsed', 'vmMem', 'vmMemUsed', 'storageCap', 'storageAlloc', 'diskRd', 'diskWr', 'netRx', 'netTx'],
  pool: ['capacity', 'allocation', 'available'],
  fleet: ['cpu', 'memUsed', 'memTotal', 'vms', 'running', 'vcpus', 'vcpuUsed', 'vmMem', 'vmMemUsed', 'storageCap', 'storageAlloc', 'diskRd', 'diskWr', 'netRx', 'netTx'],
} as const satisfies Record<EntityKind, readonly string[]>;

const Num = z.number().nullable();

/** One entity's values in one round. `key` is e.g. `vm:<vmId>`, `nic:<vmId>/<dev>`, `host:<id>`, `fleet`. */
export const MetricValues = z.object({ key: z.string(), kind: EntityKind, label: z.string(), values: z.array(Num) });
export type MetricValues = z.infer<typeof MetricValues>;

/**
 * The live topic. Each host round is published as one sample per VM (`vmId` set: the VM, its disks
 * and NICs) and one for the host itself (its series and pools); the fleet totals come with
 * `hostId: 'fleet'`. A chart subscribes to exactly what it shows.
 */
export const MetricsSample = z.object({ at: z.number(), hostId: z.string(), vmId: z.string().optional(), entities: z.array(MetricValues) });
export type MetricsSample = z.infer<typeof MetricsSample>;

export const MetricsTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vm'), vmId: z.string().min(1).max(128) }).strict(),
  z.object({ kind: z.literal('host'), hostId: z.string().min(1).max(128) }).strict(),
  z.object({ kind: z.literal('fleet') }).strict(),
]);
export type MetricsTarget = z.infer<typeof MetricsTarget>;

export const RESOLUTIONS = ['raw', '1m', '1h'] as const;
export const Resolution = z.enum(RESOLUTIONS);
export type Resolution = z.infer<typeof Resolution>;

export const MetricsQueryParams = z
  .object({
    target: MetricsTarget,
    /** Epoch ms; `to` defaults to now. */
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative().optional(),
    /** The answer is bucketed down to at most this many points per series. */
    maxPoints: z.number().int().min(10).max(5000).default(720),
  })
  .strict()
  .refine((p) => p.to === undefined || p.to > p.from, { message: '`to` must be after `from`' });

export const MetricsGroup = z.object({
  key: z.string(),
  kind: EntityKind,
  label: z.string(),
  /** Epoch ms of each point (bucket start). */
  t: z.array(z.number()),
  /** avg[i][j]: series i at point j. */
  avg: z.array(z.array(Num)),
  /** Maxima per bucket (equal to avg for raw points). */
  max: z.array(z.array(Num)),
});
export type MetricsGroup = z.infer<typeof MetricsGroup>;

export const MetricsQueryResult = z.object({
  resolution: Resolution,
  stepMs: z.number(),
  groups: z.array(MetricsGroup),
});
export type MetricsQueryResult = z.infer<typeof MetricsQueryResult>;

export const TOP_METRICS = ['cpu', 'memory', 'swap', 'vcpuWait', 'storageThroughput', 'storageIops'] as const;
export const TopMetric = z.enum(TOP_METRICS);
export type TopMetric = z.infer<typeof TopMetric>;

export const TopConsumersParams = z
  .object({
    metric: TopMetric,
    /** Look-back window. */
    periodSec: z.number().int().min(60).max(366 * 86400).default(3600),
    count: z.number().int().min(1).max(100).default(5),
  })
  .strict();

export const TopConsumer = z.object({ vmId: z.string(), label: z.string(), value: z.number() });
export const TopConsumersResult = z.object({ metric: TopMetric, unit: z.enum(['percent', 'bytes', 'bytesPerSec', 'opsPerSec']), items: z.array(TopConsumer) });
export type TopConsumersResult = z.infer<typeof TopConsumersResult>;
