import { z } from 'zod';
import { HostId, MaintenanceState } from './hosts';
import { Message } from './message';
import { HostRefusal } from './placement';
import { VmId } from './vms';

/**
 * Live migration and offline moves (seed 000 L232–260, seed 003 L6383–6593). Defaults are OpenShift
 * Virtualization's: bandwidth 0 = unlimited, completion timeout 800 s per GiB of memory (and disk
 * copied), progress timeout 150 s, pre-copy.
 */

/** `autoConverge`: QEMU throttles the guest's CPUs until pre-copy converges. `postcopy`: after `postcopyAfterIterations` pre-copy passes the guest runs on the target and pulls pages it lacks. */
export const MIGRATION_MODES = ['precopy', 'autoConverge', 'postcopy'] as const;
export const MigrationMode = z.enum(MIGRATION_MODES);
export type MigrationMode = z.infer<typeof MigrationMode>;

/**
 * `shared`: every disk is on storage both hosts see (refused otherwise, naming the disk).
 * `copy`: disks not on shared storage are copied with the migration (NBD), each into the pool
 * `diskPools` names for it on the target (default: a pool of the same name).
 */
export const MigrationStorage = z.enum(['shared', 'copy']);
export type MigrationStorage = z.infer<typeof MigrationStorage>;

const DiskTarget = z.string().regex(/^[a-z]{1,8}[0-9a-z]{0,8}$/, 'a disk target such as vda');
const PoolName = z.string().min(1).max(255);

export const MigrateOptions = z
  .object({
    /** The target host; absent = placement chooses. */
    hostId: HostId.optional(),
    storage: MigrationStorage.default('shared'),
    /** Per disk (by target, e.g. vda): the pool on the target host its copy goes to. */
    diskPools: z.record(DiskTarget, PoolName).default({}),
    /** MiB/s; 0 = unlimited. Changeable while it runs (vms.migrateSetSpeed). */
    bandwidthMiBs: z.number().int().min(0).max(100_000).default(0),
    mode: MigrationMode.default('precopy'),
    /** Post-copy starts after this many pre-copy iterations. */
    postcopyAfterIterations: z.number().int().min(1).max(100).default(2),
    /** The migration is aborted when it has run longer than this many seconds per GiB it moves (memory, plus disks copied). Never after the switch to post-copy. */
    completionTimeoutPerGiBSec: z.number().int().min(1).max(100_000).default(800),
    /** Aborted when the data remaining has not shrunk for this long. Never after the switch to post-copy. */
    progressTimeoutSec: z.number().int().min(1).max(100_000).default(150),
    /** Keep the (inactive) definition on the source host; by default it is removed. */
    keepSource: z.boolean().default(false),
  })
  .strict();
export type MigrateOptions = z.infer<typeof MigrateOptions>;

/** A running VM migrates live; a stopped one moves offline (its definition, and its disks unless on shared storage). */
export const MigrateParams = MigrateOptions.extend({ vmId: VmId }).strict();
export type MigrateParams = z.input<typeof MigrateParams>;

/** What keeps a VM from moving at all, whatever the target (a host device, a local-disk VM asked to move with `shared`). */
export const MigrationBlocker = z.object({ reason: Message });
export type MigrationBlocker = z.infer<typeof MigrationBlocker>;

/**
 * Pre-flight: the VM-level blockers, and per candidate host whether it can take the VM and, if
 * not, why (a path unreachable there, the UUID or name active there, capacity after reservations,
 * CPU, maintenance). Nothing is changed by asking.
 */
export const MigrationCheck = z.object({
  vmId: VmId,
  sourceHostId: HostId,
  /** The VM runs (live) or not (offline move). */
  live: z.boolean(),
  blockers: z.array(MigrationBlocker),
  /** Hosts that can take it. */
  candidates: z.array(z.object({ hostId: HostId, host: z.string(), warnings: z.array(Message) })),
  refused: z.array(HostRefusal),
  /** Disks that would be copied with `copy`, with their size, and the pool each would go to by default. */
  disksToCopy: z.array(z.object({ target: z.string(), sourcePool: z.string().nullable(), bytes: z.number(), defaultPool: z.string().nullable() })),
});
export type MigrationCheck = z.infer<typeof MigrationCheck>;

export const MIGRATION_PHASES = ['preparing', 'precopy', 'postcopy', 'finishing', 'offline'] as const;

/** libvirt's job stats while a migration runs (virDomainGetJobStats), as shown on the VM page and in Tasks. */
export const MigrationStats = z.object({
  phase: z.enum(MIGRATION_PHASES),
  sourceHostId: HostId,
  targetHostId: HostId,
  /** Bytes. */
  dataTotal: z.number().nullable(),
  dataRemaining: z.number().nullable(),
  /** Bytes/s. */
  transferRate: z.number().nullable(),
  /** Bytes/s the guest dirties memory at. */
  dirtyRate: z.number().nullable(),
  iteration: z.number().nullable(),
  /** ms. */
  expectedDowntime: z.number().nullable(),
  /** The limit in force, MiB/s; 0 = unlimited. */
  bandwidthMiBs: z.number(),
  /** Disk copy (NBD), bytes. */
  diskTotal: z.number().nullable(),
  diskRemaining: z.number().nullable(),
});
export type MigrationStats = z.infer<typeof MigrationStats>;

/** `postcopy`: the migration switched to post-copy (the guest ran on the target before all its memory was there). */
export const MigrateResult = z.object({ vmId: VmId, sourceHostId: HostId, targetHostId: HostId, live: z.boolean(), downtimeMs: z.number().nullable(), postcopy: z.boolean() });
export type MigrateResult = z.infer<typeof MigrateResult>;

/* ---- Host maintenance (seed 001 L11–80) ---- */

/** `preparing`: evacuating; `ready`: empty, safe to service or remove; `error`: some VM could not leave (reasons per VM). Defined with the host. */
export { MAINTENANCE_STATES, MaintenanceState } from './hosts';

/** What happens to one VM when its host is emptied. */
export const EVACUATION_ACTIONS = ['migrate', 'migrateCopy', 'shutdown', 'moveDefinition'] as const;
export const EvacuationAction = z.enum(EVACUATION_ACTIONS);
export type EvacuationAction = z.infer<typeof EvacuationAction>;

export const EvacuationStep = z.object({
  vmId: VmId,
  name: z.string(),
  /** null: it cannot leave (see `blocked`). */
  action: EvacuationAction.nullable(),
  /** Where it goes, as placement chose (null for shutdown, or when blocked). */
  targetHostId: HostId.nullable(),
  blocked: Message.nullable(),
  /** After or during the run. */
  state: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
  error: Message.nullable(),
});
export type EvacuationStep = z.infer<typeof EvacuationStep>;

export const MaintenancePlan = z.object({ hostId: HostId, steps: z.array(EvacuationStep) });
export type MaintenancePlan = z.infer<typeof MaintenancePlan>;

export const HostMaintenance = z.object({
  hostId: HostId,
  state: MaintenanceState,
  /** The evacuation job, while or after it runs. */
  jobId: z.string().nullable(),
  plan: MaintenancePlan.nullable(),
  since: z.number().nullable(),
  /** Why it ended in error, in words. */
  error: Message.nullable(),
});
export type HostMaintenance = z.infer<typeof HostMaintenance>;

export const MaintenancePolicy = z
  .object({
    /** Per VM, overriding the default action the plan picked (e.g. shut down a VM instead of copying its disks). */
    actions: z.record(VmId, EvacuationAction).default({}),
    /** ACPI shutdown, then force off after this many seconds. */
    shutdownTimeoutSec: z.number().int().min(5).max(3600).default(120),
  })
  .strict();

export const MaintenancePlanParams = MaintenancePolicy.extend({ hostId: HostId }).strict();
export const EnterMaintenanceParams = MaintenancePolicy.extend({
  hostId: HostId,
  /**
   * The VMs of the plan the person reviewed (hosts.maintenancePlan). When the host holds others now,
   * nothing starts: CONFLICT, and the new plan is to be reviewed. Absent: whatever the host holds.
   */
  planVmIds: z.array(VmId).optional(),
}).strict();
