import { z } from 'zod';
import { VmId } from './vms';

/** libvirt accepts more, but a snapshot name also names overlay files: keep it to safe characters. */
export const SnapshotName = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);

/**
 * What was true while a snapshot was taken (OpenShift's "snapshot indications"): `Online`, the VM
 * was running; `NoGuestAgent`, the guest agent could not freeze the file systems, so the disks
 * were copied without quiescing.
 */
export const SnapshotIndication = z.enum(['Online', 'NoGuestAgent']);
export type SnapshotIndication = z.infer<typeof SnapshotIndication>;

export const SnapshotDisk = z.object({
  target: z.string(),
  location: z.enum(['internal', 'external', 'no']),
  /** The overlay of an external disk snapshot. */
  file: z.string().nullable(),
});

export const Snapshot = z.object({
  name: z.string(),
  /** The person's text (Hangar's own marker line is taken out). */
  description: z.string().nullable(),
  parent: z.string().nullable(),
  children: z.array(z.string()),
  /** Depth in the tree (0 = a root), for indenting the list, which is in tree order. */
  depth: z.number().int(),
  current: z.boolean(),
  /** Epoch ms. */
  createdAt: z.number().nullable(),
  /** The VM's state when it was taken: running, shutoff, disk-snapshot… */
  state: z.string().nullable(),
  memory: z.boolean(),
  /** internal: in the qcow2 images; external: overlay files (disk-only). */
  kind: z.enum(['internal', 'external']),
  disks: z.array(SnapshotDisk),
  /** Bytes: the saved RAM of an internal snapshot, the overlays' allocation of an external one; null when unknown. */
  sizeBytes: z.number().nullable(),
  /** Made through Hangar; false for one made outside (virsh), which the UI badges. */
  byHangar: z.boolean(),
  /** Hangar's snapshots of a running VM: whether the guest's file systems were frozen. */
  quiesced: z.boolean().nullable(),
  indications: z.array(SnapshotIndication),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** Whether each disk can be snapshotted, and why not. */
export const SnapshotDiskSupport = z.object({ target: z.string(), source: z.string().nullable(), format: z.string().nullable(), supported: z.boolean(), reason: z.enum(['raw', 'block', 'readonly', 'network']).nullable() });

export const SnapshotList = z.object({
  vmId: VmId,
  snapshots: z.array(Snapshot),
  current: z.string().nullable(),
  /** Settings.snapshotMaxPerVm. */
  max: z.number().int(),
  /** The host's libvirt reverts external snapshots (9.7 and later). */
  externalRevert: z.boolean(),
  disks: z.array(SnapshotDiskSupport),
  /** Conditions on the VM from its last snapshot: NoGuestAgent when that one could not be quiesced. */
  conditions: z.array(z.object({ type: z.literal('NoGuestAgent'), snapshot: z.string(), at: z.number() })),
});
export type SnapshotList = z.infer<typeof SnapshotList>;

export const CreateSnapshotParams = z
  .object({
    vmId: VmId,
    name: SnapshotName,
    description: z.string().max(2000).optional(),
    /** With the RAM of a running VM (internal); false = disk-only. */
    memory: z.boolean().default(false),
    /** Disk-only into a new overlay per disk instead of inside the qcow2 images. */
    external: z.boolean().default(false),
    /** Disk-only of a running VM: freeze the guest's file systems through the agent (retried without when there is none). */
    quiesce: z.boolean().default(true),
  })
  .strict();

export const SnapshotTarget = z.object({ vmId: VmId, name: z.string().min(1).max(255) }).strict();
export const DeleteSnapshotParams = SnapshotTarget.extend({ withChildren: z.boolean().default(false) }).strict();

export const SnapshotJobResult = z.object({ name: z.string(), quiesced: z.boolean().nullable().optional(), indications: z.array(SnapshotIndication).optional(), deleted: z.array(z.string()).optional() });
