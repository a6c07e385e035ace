import { z } from 'zod';
import { HostId } from './hosts';
import { Message } from './message';
import { SnapshotName } from './snapshots';
import { StorageName } from './storage';
import { VmId } from './vms';

/**
 * The template and ISO library (issue 17): items known to this engine, each with copies on hosts.
 * A copy is usable only once Ready; a copy in a shared pool counts for every host that sees it
 * (`reach`). Reads answer from the `library` collection; every change is a job.
 */
export const LIBRARY_KINDS = ['template', 'iso'] as const;
export const LibraryKind = z.enum(LIBRARY_KINDS);
export type LibraryKind = z.infer<typeof LibraryKind>;

export const LibraryItemId = z.string().min(1).max(64);

export const COPY_STATES = ['uploading', 'verifying', 'ready', 'error'] as const;
export const CopyState = z.enum(COPY_STATES);
export type CopyState = z.infer<typeof CopyState>;

export const LibraryCopy = z.object({
  hostId: z.string(),
  pool: z.string(),
  volume: z.string(),
  path: z.string(),
  /** The file's size on the host, when known. */
  bytes: z.number().nullable(),
  sha256: z.string().nullable(),
  state: CopyState,
  /** While uploading (or copying): 0..100. */
  percent: z.number().nullable(),
  /** Why, when `error`. */
  error: Message.nullable(),
  /** On a shared file system: `reach` lists every host that sees the same file. */
  shared: z.boolean(),
  reach: z.array(z.string()),
  createdAt: z.number(),
});
export type LibraryCopy = z.infer<typeof LibraryCopy>;

export const LibraryItem = z.object({
  id: LibraryItemId,
  name: z.string(),
  kind: LibraryKind,
  /** The OS catalogue's id (engine/library/os-catalogue.ts). */
  osId: z.string(),
  description: z.string(),
  minVcpus: z.number().int(),
  minMemoryMiB: z.number().int(),
  minDiskGiB: z.number(),
  /** ISOs: it boots an OS (an installer), rather than carrying drivers or software. */
  bootable: z.boolean(),
  format: z.string(),
  /** Where it came from, in words: `vm:<name>`, `upload:<file>`, `copy`. */
  source: z.string().nullable(),
  createdAt: z.number(),
  copies: z.array(LibraryCopy),
  /** The hosts where a Ready copy is usable (its own host, or any host that sees its shared pool). */
  readyOn: z.array(z.string()),
});
export type LibraryItem = z.infer<typeof LibraryItem>;

export const OsEntry = z.object({
  id: z.string(),
  label: z.string(),
  family: z.enum(['linux', 'windows', 'other']),
  /** libosinfo's id, recorded in the domain's metadata so virt-manager recognises the OS. */
  libosinfo: z.string(),
  diskBus: z.enum(['virtio', 'sata', 'ide']),
  nicModel: z.enum(['virtio', 'e1000', 'e1000e']),
  cdBus: z.enum(['sata', 'ide']),
  firmware: z.enum(['bios', 'uefi']),
  minVcpus: z.number().int(),
  minMemoryMiB: z.number().int(),
  minDiskGiB: z.number(),
});
export type OsEntry = z.infer<typeof OsEntry>;

const ItemName = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[^\0\n\r/]+$/, 'one line, no slash');

const itemFields = {
  name: ItemName,
  osId: z.string().min(1).max(64).default('other'),
  description: z.string().max(4096).default(''),
  minVcpus: z.number().int().min(1).max(256).default(1),
  minMemoryMiB: z.number().int().min(32).max(4 * 1024 * 1024).default(512),
  minDiskGiB: z.number().min(0).max(65536).default(1),
};

/**
 * A template from a VM's root disk, flattened into a new volume of `pool` (the disk's pool when
 * absent): the disk as it is now (a stopped VM only), or as one of its snapshots froze it
 * (`snapshot`; of a running VM only an external snapshot, whose frozen image nothing writes).
 */
export const RegisterFromVmParams = z.object({ vmId: VmId, ...itemFields, pool: StorageName.optional(), snapshot: SnapshotName.optional() }).strict();
export type RegisterFromVmParams = z.input<typeof RegisterFromVmParams>;

/** A new item whose first copy is uploaded into `hostId`'s `pool` (the file is sent to the upload endpoint). */
export const UploadItemParams = z
  .object({
    kind: LibraryKind,
    ...itemFields,
    bootable: z.boolean().default(false),
    hostId: HostId,
    pool: StorageName,
    fileName: z.string().min(1).max(255),
    bytes: z.number().int().min(1),
    format: z.enum(['qcow2', 'raw', 'iso']).optional(),
  })
  .strict();
export type UploadItemParams = z.input<typeof UploadItemParams>;

export const CopyToHostParams = z.object({ itemId: LibraryItemId, toHostId: HostId, pool: StorageName.default('default'), fromHostId: HostId.optional() }).strict();
export type CopyToHostParams = z.input<typeof CopyToHostParams>;

export const DeleteCopyParams = z.object({ itemId: LibraryItemId, hostId: HostId, pool: z.string().min(1).max(255), volume: z.string().min(1).max(255) }).strict();

/** A volume a host already has, taken into the library as it is (hashed there, then Ready). */
export const AdoptVolumeParams = z
  .object({ kind: LibraryKind, ...itemFields, bootable: z.boolean().default(false), hostId: HostId, pool: StorageName, volume: z.string().min(1).max(255) })
  .strict();
export type AdoptVolumeParams = z.input<typeof AdoptVolumeParams>;
