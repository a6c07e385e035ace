import type { MethodParams, PoolAction } from '../../../engine/contract';
import { call } from './call';
import { runJob } from './jobs';

/** Storage pools and their volumes on a host. Changes are jobs; each promise follows its job. */

export const listVolumes = (hostId: string, pool: string) => call('storage.volumes', { hostId, pool });

/** With who uses each volume: VM definitions and overlays (none = orphan). */
export const listVolumesUsage = (hostId: string, pool: string) => call('storage.volumesUsage', { hostId, pool });

export const createPool = (params: MethodParams<'storage.createPool'>) => runJob('storage.createPool', params);

export const runPoolAction = (hostId: string, pool: string, action: PoolAction) => runJob('storage.poolAction', { hostId, pool, action });

export const createVolume = (params: MethodParams<'storage.createVolume'>) => runJob('storage.createVolume', params);

export const growVolume = (hostId: string, pool: string, volume: string, sizeGiB: number) => runJob('storage.resizeVolume', { hostId, pool, volume, sizeGiB });

export const wipeVolume = (hostId: string, pool: string, volume: string) => runJob('storage.wipeVolume', { hostId, pool, volume });

export const deleteVolume = (hostId: string, pool: string, volume: string) => runJob('storage.deleteVolume', { hostId, pool, volume });
