import { z } from 'zod';
import { HostId } from './hosts';

/**
 * Storage pools and volumes of a host (issue 17). A pool is known by its host and name (libvirt
 * keeps names unique per host); reads answer from the pools collection, every change is a job.
 */

/** libvirt's pool and volume names: no slash (a volume name is a file name in a dir pool). */
export const StorageName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, 'letters, digits and . _ + - only, starting with a letter or digit');
const AbsPath = z
  .string()
  .min(2)
  .max(1024)
  .regex(/^\/[^\0\n]*$/, 'an absolute path, starting with /');
const HostName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address');

export const POOL_TYPES = ['dir', 'logical', 'netfs', 'iscsi'] as const;
export const POOL_STATES = ['inactive', 'building', 'running', 'degraded', 'inaccessible'] as const;
export const PoolState = z.enum(POOL_STATES);

export const Pool = z.object({
  /** `hostId/name`. */
  id: z.string(),
  hostId: z.string(),
  name: z.string(),
  uuid: z.string(),
  /** dir, logical, netfs, iscsi, fs, rbd… (any type libvirt has; Hangar creates the four above). */
  type: z.string(),
  state: PoolState,
  autostart: z.boolean(),
  capacity: z.number(),
  allocation: z.number(),
  available: z.number(),
  targetPath: z.string().nullable(),
  /** Where the data comes from, as one line: `host:/export`, a device list, an IQN. */
  source: z.string().nullable(),
  /** The target sits on the host's root file system (a full pool then fills /); null when not known. */
  onRootFs: z.boolean().nullable(),
});
export type Pool = z.infer<typeof Pool>;

const poolBase = {
  hostId: HostId,
  name: StorageName,
  /** Start it now and at every boot of the host. */
  autostart: z.boolean().default(true),
};
export const CreatePoolParams = z.discriminatedUnion('type', [
  z.object({ ...poolBase, type: z.literal('dir'), targetPath: AbsPath }).strict(),
  z
    .object({
      ...poolBase,
      type: z.literal('logical'),
      /** The volume group; it is created on `devices` when they are given, else it must exist. */
      vgName: StorageName,
      devices: z.array(AbsPath).max(16).default([]),
    })
    .strict(),
  z.object({ ...poolBase, type: z.literal('netfs'), sourceHost: HostName, sourcePath: AbsPath, targetPath: AbsPath }).strict(),
  z
    .object({
      ...poolBase,
      type: z.literal('iscsi'),
      sourceHost: HostName,
      iqn: z
        .string()
        .min(4)
        .max(223)
        .regex(/^(iqn\.\d{4}-\d{2}\.[^\s]+|eui\.[0-9A-Fa-f]{16})$/, 'an iSCSI name such as iqn.2024-01.com.example:target1'),
    })
    .strict(),
]);
export type CreatePoolParams = z.infer<typeof CreatePoolParams>;

export const POOL_ACTIONS = ['start', 'stop', 'refresh', 'delete', 'autostartOn', 'autostartOff'] as const;
export const PoolAction = z.enum(POOL_ACTIONS);
export type PoolAction = z.infer<typeof PoolAction>;
export const PoolActionParams = z.object({ hostId: HostId, pool: StorageName, action: PoolAction }).strict();

export const VOLUME_FORMATS = ['qcow2', 'raw'] as const;
export const Volume = z.object({
  name: z.string(),
  path: z.string(),
  capacity: z.number(),
  allocation: z.number(),
  format: z.string().optional(),
  /** VM definitions (active or inactive) on the host whose disks use it, by name. */
  usedBy: z.array(z.string()).optional(),
  /** Volumes of the pool that use it as their backing file (a base image). */
  backingOf: z.array(z.string()).optional(),
});
export type Volume = z.infer<typeof Volume>;

const GiB = z.number().positive().max(64 * 1024);
export const VolumeRef = z.object({ hostId: HostId, pool: StorageName, volume: StorageName }).strict();
export const CreateVolumeParams = z
  .object({ hostId: HostId, pool: StorageName, name: StorageName, sizeGiB: GiB, format: z.enum(VOLUME_FORMATS).default('qcow2') })
  .strict();
export const ResizeVolumeParams = VolumeRef.extend({ sizeGiB: GiB }).strict();

/** A VM definition that uses a pool or volume (refusals name them). */
export const StorageUser = z.object({ vmId: z.string(), name: z.string() });
