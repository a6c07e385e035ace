import { z } from 'zod';
import { HostId } from './hosts';
import { PlacementOutcome } from './placement';
import { CloudInitParams, OsProfile, VmId, VmName } from './vms';

/**
 * Clones (issue 16). `full`: the disk chain is flattened into new volumes, a copy that runs as a
 * cancellable job. `linked`: a qcow2 overlay on something no running VM writes to: a template (a
 * base image volume) or a VM's external snapshot. A clone gets a new name, UUID, MAC addresses and
 * cloud-init seed (new instance-id and host name); a UEFI VM's NVRAM is copied.
 */
export const CloneMode = z.enum(['full', 'linked']);
export type CloneMode = z.infer<typeof CloneMode>;

const PoolName = z.string().min(1).max(255);
const SnapshotName = z.string().min(1).max(255);

export const CloneSource = z.discriminatedUnion('kind', [
  /**
   * A VM: its disks now (a stopped VM), at one of its snapshots, or at a new snapshot taken for
   * the clone (`newSnapshot`, the way to clone a running VM in full).
   */
  z.object({ kind: z.literal('vm'), vmId: VmId, snapshot: SnapshotName.optional(), newSnapshot: z.boolean().default(false) }).strict(),
  /** A template: a base image volume, on the host that has it (placement finds one when absent). */
  z
    .object({
      kind: z.literal('template'),
      pool: PoolName,
      volume: z.string().min(1).max(255),
      osProfile: OsProfile.default('linux'),
      vcpus: z.number().int().min(1).max(256).default(1),
      memoryMiB: z.number().int().min(32).max(4 * 1024 * 1024).default(512),
      network: z.string().min(1).max(255).nullable().default('default'),
    })
    .strict(),
]);
export type CloneSource = z.input<typeof CloneSource>;

export const CloneVmParams = z
  .object({
    source: CloneSource,
    name: VmName,
    mode: CloneMode.default('full'),
    /** A host, or none for the one placement chooses among those that reach the source's disks. */
    hostId: HostId.optional(),
    /** Where the new volumes go; the pool of the source's first disk when absent. */
    pool: PoolName.optional(),
    /** User-data for the new seed; without it a clone with a seed keeps a minimal one (its new host name). */
    cloudInit: CloudInitParams.optional(),
    start: z.boolean().default(false),
  })
  .strict();
export type CloneVmParams = z.input<typeof CloneVmParams>;

/** What the clone job made. */
export const CloneResult = z.object({
  uuid: z.string(),
  name: z.string(),
  hostId: z.string(),
  macs: z.array(z.string()),
  /** The new volumes, as paths on the clone's host. */
  volumes: z.array(z.string()),
  /** The snapshot the clone was taken from, when one was made for it. */
  snapshot: z.string().nullable(),
});
export type CloneResult = z.infer<typeof CloneResult>;

/** What `vms.clone` answers at once: the job, and the host placement chose. */
export const CloneStarted = z.object({ jobId: z.string(), placement: PlacementOutcome.optional() });
