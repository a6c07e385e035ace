import { z } from 'zod';
import { ErrorData } from './errors';
import { JobRef } from './jobs';

/**
 * Disposable VM pools and leases (issue 18, seed 004). A pool maps an OS name to per-host base
 * images; a lease is one VM handed out from it: a linked clone (qcow2 overlay) of the base with its
 * own cloud-init seed, an expiry, and a history record carrying the seed's fields.
 *
 * Names are prefixed `Lease…` where `Pool` alone would clash with storage pools (contract/storage.ts).
 */

/** An OS name as the seed uses it (`centos`, `debian12`, `win16`): the pool's key. */
export const PoolOs = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, 'lower-case letters, digits and . _ - (up to 32)');
export type PoolOs = z.infer<typeof PoolOs>;

/**
 * The name a lease asks for (seed: `<username>`; Jenkins passes ${BUILD_TAG}). It becomes the VM's
 * name and host name, `<username>` for one VM and `<username>1..N` for several, so it must be a DNS
 * label with room for the suffix.
 */
export const LeaseUsername = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,59}$/, 'letters, digits and "-" (up to 60, starting with a letter or digit)');

/** A lease's VM name: `<username>` or `<username><n>`. */
export const LeaseName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/);

export const LeaseId = z.string().min(1).max(64);
export type LeaseId = z.infer<typeof LeaseId>;

/** One host's copy of the pool's base image: a volume in a storage pool of that host. */
export const PoolBaseImage = z
  .object({
    hostId: z.string().min(1).max(64),
    /** The storage pool on that host (the seed's `host.storage.name`); overlays are made there too. */
    pool: z.string().min(1).max(255),
    volume: z.string().min(1).max(255),
    /** The library template this copy came from, once the library issue provides one. */
    templateId: z.string().max(128).optional(),
  })
  .strict();
export type PoolBaseImage = z.infer<typeof PoolBaseImage>;

/** Seed defaults: `vm.expiry.minutes=720`, `vm.network.timeout.secs=400`. */
export const POOL_DEFAULTS = {
  cpus: 1,
  memoryMiB: 512,
  defaultExpiryMinutes: 720,
  maxExpiryMinutes: 720,
  networkTimeoutSecs: 400,
  retries: 2,
  warmSpares: 0,
} as const;

const PoolFields = {
  description: z.string().max(1024),
  baseImages: z.array(PoolBaseImage).max(64),
  /** The libvirt network the leases join (its name on every host; DHCP gives their addresses). */
  network: z.string().min(1).max(255),
  cpus: z.number().int().min(1).max(256),
  memoryMiB: z.number().int().min(32).max(4 * 1024 * 1024),
  /** Virtual size of a lease's disk; null: the base image's size (an overlay cannot shrink). */
  diskGiB: z.number().min(0.01).max(65536).nullable(),
  /** The longest a lease may live (also caps an extension), minutes. */
  maxExpiryMinutes: z.number().int().min(1).max(525_600),
  defaultExpiryMinutes: z.number().int().min(1).max(525_600),
  /** How long a new VM may take to show an address that is not link-local (169.254/16, fe80::/10). */
  networkTimeoutSecs: z.number().int().min(5).max(3600),
  /** After a VM that got no address: destroy it and try again on another host, at most this many times. */
  retries: z.number().int().min(0).max(10),
  /** Pre-booted spare VMs kept ready (beyond the seed); refilled in the background within capacity. */
  warmSpares: z.number().int().min(0).max(50),
  /** The guest user cloud-init creates, with the lease's SSH keys. */
  guestUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/),
};

export const LeasePool = z.object({
  os: PoolOs,
  ...PoolFields,
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type LeasePool = z.infer<typeof LeasePool>;

export const CreateLeasePoolParams = z
  .object({
    os: PoolOs,
    description: PoolFields.description.default(''),
    baseImages: PoolFields.baseImages.default([]),
    network: PoolFields.network.default('default'),
    cpus: PoolFields.cpus.default(POOL_DEFAULTS.cpus),
    memoryMiB: PoolFields.memoryMiB.default(POOL_DEFAULTS.memoryMiB),
    diskGiB: PoolFields.diskGiB.default(null),
    maxExpiryMinutes: PoolFields.maxExpiryMinutes.default(POOL_DEFAULTS.maxExpiryMinutes),
    defaultExpiryMinutes: PoolFields.defaultExpiryMinutes.default(POOL_DEFAULTS.defaultExpiryMinutes),
    networkTimeoutSecs: PoolFields.networkTimeoutSecs.default(POOL_DEFAULTS.networkTimeoutSecs),
    retries: PoolFields.retries.default(POOL_DEFAULTS.retries),
    warmSpares: PoolFields.warmSpares.default(POOL_DEFAULTS.warmSpares),
    guestUser: PoolFields.guestUser.default('hangar'),
  })
  .strict();
export type CreateLeasePoolParams = z.input<typeof CreateLeasePoolParams>;

/** Takes effect at once: the next lease, spare refill and capacity use it (no restart). */
export const UpdateLeasePoolParams = z
  .object({
    os: PoolOs,
    description: PoolFields.description.optional(),
    baseImages: PoolFields.baseImages.optional(),
    network: PoolFields.network.optional(),
    cpus: PoolFields.cpus.optional(),
    memoryMiB: PoolFields.memoryMiB.optional(),
    diskGiB: PoolFields.diskGiB.optional(),
    maxExpiryMinutes: PoolFields.maxExpiryMinutes.optional(),
    defaultExpiryMinutes: PoolFields.defaultExpiryMinutes.optional(),
    networkTimeoutSecs: PoolFields.networkTimeoutSecs.optional(),
    retries: PoolFields.retries.optional(),
    warmSpares: PoolFields.warmSpares.optional(),
    guestUser: PoolFields.guestUser.optional(),
  })
  .strict();
export type UpdateLeasePoolParams = z.input<typeof UpdateLeasePoolParams>;

/** Which resource bounds a host's count (the smallest quotient). */
export const CAPACITY_LIMITS = ['memory', 'vcpus', 'disk', 'addresses', 'noBaseImage', 'hostDown', 'maintenance'] as const;
export const CapacityLimit = z.enum(CAPACITY_LIMITS);

export const PoolHostCapacity = z.object({
  hostId: z.string(),
  hostName: z.string(),
  /** Leases this host can still take for the pool's default size. */
  available: z.number().int().min(0),
  limitedBy: CapacityLimit,
  /** What is free now, in-flight leases already subtracted (placement's reservations). */
  free: z.object({
    memoryMiB: z.number(),
    vcpus: z.number(),
    diskBytes: z.number().nullable(),
    /** Free DHCP addresses of the pool's network on this host; null when it cannot tell. */
    addresses: z.number().nullable(),
  }),
});
export type PoolHostCapacity = z.infer<typeof PoolHostCapacity>;

export const PoolCapacity = z.object({
  os: PoolOs,
  /** Σ over hosts with the base image of min(free memory, free vCPUs, free disk, free addresses) ÷ the pool's needs; plus ready spares. */
  available: z.number().int().min(0),
  /** Leases being provisioned now (counted as reserved, not available). */
  inFlight: z.number().int().min(0),
  /** Spares booted and waiting (part of `available`: each is a lease ready at once). */
  sparesReady: z.number().int().min(0),
  hosts: z.array(PoolHostCapacity),
});
export type PoolCapacity = z.infer<typeof PoolCapacity>;

/**
 * A lease's life: provisioning → ready → releasing → released, or expired (reaped), or failed
 * (no address after every retry; nothing left behind).
 */
export const LEASE_STATES = ['provisioning', 'ready', 'releasing', 'released', 'expired', 'failed'] as const;
export const LeaseState = z.enum(LEASE_STATES);
export type LeaseState = z.infer<typeof LeaseState>;
export const LIVE_LEASE_STATES: readonly LeaseState[] = ['provisioning', 'ready', 'releasing'];

export const Lease = z.object({
  id: LeaseId,
  /** The VM's name and cloud-init host name. */
  name: LeaseName,
  os: PoolOs,
  /** As asked (`<username>` of the seed's URL). */
  username: z.string(),
  /** Who may see and release it: an API token's id, `cli`, or `ui`; a request never touches another owner's lease. */
  owner: z.string(),
  state: LeaseState,
  /** Set once placed; may change while provisioning when a retry moves to another host. */
  hostId: z.string().nullable(),
  hostName: z.string().nullable(),
  /** The libvirt UUID of its domain (the VM's id in the inventory). */
  vmUuid: z.string().nullable(),
  /** The domain's name: the lease's name, or the spare's own name when a warm spare served it (see engine/leases/README.md). */
  vmName: z.string().nullable(),
  /** The first address that is not link-local. */
  ipaddr: z.string().nullable(),
  cpus: z.number().int(),
  memoryMiB: z.number().int(),
  diskBytes: z.number().nullable(),
  /** Epoch ms. */
  createdAt: z.number(),
  readyAt: z.number().nullable(),
  expiresAt: z.number(),
  endedAt: z.number().nullable(),
  /** Whether it was handed out from a warm spare. */
  fromSpare: z.boolean(),
  /** Attempts made so far (1 + retries used). */
  attempts: z.number().int(),
  /** The provisioning job. */
  jobId: z.string().nullable(),
  error: ErrorData.nullable(),
});
export type Lease = z.infer<typeof Lease>;

export const AcquireLeasesParams = z
  .object({
    os: PoolOs,
    username: LeaseUsername,
    count: z.number().int().min(1).max(50).default(1),
    /** Defaults: the pool's. */
    cpus: z.number().int().min(1).max(256).optional(),
    memoryMiB: z.number().int().min(32).max(4 * 1024 * 1024).optional(),
    /** Minutes; the pool's default when absent, refused above the pool's maximum. */
    expiresInMinutes: z.number().int().min(1).max(525_600).optional(),
    /** Pin to one host (the seed's `xhostref`), by Hangar host id. */
    hostId: z.string().min(1).max(64).optional(),
    sshAuthorizedKeys: z.array(z.string().max(16_384)).max(32).default([]),
    owner: z.string().min(1).max(128).default('ui'),
    /** A retried request with the same key (and owner) gets the same leases; no second VM. */
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .strict();
export type AcquireLeasesParams = z.input<typeof AcquireLeasesParams>;

/** Answered at once with the leases (state provisioning, or ready when spares served them) and the job. */
export const AcquireLeasesResult = JobRef.extend({ leases: z.array(Lease) });
export type AcquireLeasesResult = z.infer<typeof AcquireLeasesResult>;

/** By id or by name (a live lease's name is unique); `owner` restricts to that owner's leases. */
export const ReleaseLeasesParams = z
  .object({
    ids: z.array(LeaseId).max(200).optional(),
    names: z.array(z.string().min(1).max(63)).max(200).optional(),
    owner: z.string().min(1).max(128).optional(),
  })
  .strict();

export const ListLeasesParams = z
  .object({
    os: PoolOs.optional(),
    owner: z.string().max(128).optional(),
    username: z.string().max(63).optional(),
    /** Default: the live states. */
    states: z.array(LeaseState).optional(),
  })
  .strict();

export const ExtendLeaseParams = z
  .object({
    id: LeaseId,
    /** Added to the current expiry (or to now, if later); capped at now + the pool's maximum. */
    minutes: z.number().int().min(1).max(525_600),
    owner: z.string().min(1).max(128).optional(),
  })
  .strict();

/**
 * The seed's history document (Couchbase, one per VM), field for field. Names and units as the
 * seed's: `*_time` epoch seconds, durations in whole seconds, `memory` and `disk` in bytes. The seed
 * writes `cpu`; the issue says `cpus`: here `cpus` (the REST layer writes the seed's `cpu` too).
 */
export const HISTORY_STATES = ['creating', 'available', 'deleted', 'failed'] as const;
export const LeaseHistoryRecord = z.object({
  /** The lease's id (the seed keys on the VM's UUID: `vmUuid`). */
  id: LeaseId,
  vmUuid: z.string().nullable(),
  name: z.string(),
  os: PoolOs,
  /** The guest's own OS name when known (seed: os_version); '' otherwise. */
  os_version: z.string(),
  cpus: z.number().int(),
  memory: z.number(),
  disk: z.number().nullable(),
  ipaddr: z.string().nullable(),
  username: z.string(),
  owner: z.string(),
  /** The host's Hangar id, and its name as the seed's `origin`. */
  host: z.string().nullable(),
  origin: z.string().nullable(),
  /** Seed: `poolId` ("dynamicpool"): here the pool's OS name. */
  poolId: z.string(),
  prevUser: z.string(),
  ver: z.string(),
  created_time: z.number(),
  create_duration_secs: z.number().nullable(),
  deleted_time: z.number().nullable(),
  delete_duration_secs: z.number().nullable(),
  live_duration_secs: z.number().nullable(),
  state: z.enum(HISTORY_STATES),
  /** Why it ended: released, expired (reaped), failed (provisioning gave up). */
  endReason: z.enum(['released', 'expired', 'failed']).nullable(),
  fromSpare: z.boolean(),
  attempts: z.number().int(),
});
export type LeaseHistoryRecord = z.infer<typeof LeaseHistoryRecord>;

export const LeaseHistoryParams = z
  .object({
    os: PoolOs.optional(),
    username: z.string().max(63).optional(),
    owner: z.string().max(128).optional(),
    /** created_time bounds, epoch seconds. */
    from: z.number().optional(),
    to: z.number().optional(),
    limit: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

/** `hangar pools import-ini`: the seed's `.dynvmservice.ini` text. */
export const ImportIniParams = z
  .object({
    text: z.string().max(1024 * 1024),
    /** The network the new pools use (the ini has none: Xen picks the host's). */
    network: z.string().min(1).max(255).default('default'),
  })
  .strict();
export const ImportIniResult = z.object({
  created: z.array(PoolOs),
  updated: z.array(PoolOs),
  /** `[xenhostN]` sections not imported, and why (no Hangar host at that address, no templates…). */
  skipped: z.array(z.object({ section: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
});
export type ImportIniResult = z.infer<typeof ImportIniResult>;
