import { HangarError } from '../contract/errors';
import type { JobRef } from '../contract/jobs';
import type { Volume } from '../contract/storage';
import type { JobRunner } from '../jobs/job-runner';
import { isNotFound, type LibvirtConnection } from '../libvirt';
import { buildVolumeXml, readVolumeXml } from '../xml/volume';
import type { PoolInventory } from './pool-inventory';
import { diskUsers, volumeUsers } from './storage-users';

export interface VolumeJobDeps {
  fleet: { libvirt(hostId: string): LibvirtConnection };
  inventory: PoolInventory;
  jobs: Pick<JobRunner, 'start'>;
}

const GiB = 1024 ** 3;
const target = (p: { hostId: string; pool: string }, volume: string) => ({ kind: 'volume' as const, id: `${p.hostId}/${p.pool}/${volume}` });

async function lookup(conn: LibvirtConnection, pool: string, volume: string) {
  try {
    return await conn.storageVolLookupByName(await conn.storagePoolLookupByName(pool), volume);
  } catch (err) {
    if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No volume ${volume} in pool ${pool}`);
    throw err;
  }
}

async function readVolume(conn: LibvirtConnection, pool: string, volume: string): Promise<Volume> {
  const ref = await lookup(conn, pool, volume);
  const [info, path, xml] = await Promise.all([conn.storageVolGetInfo(ref), conn.storageVolGetPath(ref), conn.storageVolGetXmlDesc(ref)]);
  return { name: ref.name, path, capacity: info.capacity, allocation: info.allocation, format: readVolumeXml(xml).format };
}

/** A block-backed pool (LVM, iSCSI) holds raw volumes only. */
const fileBacked = (type: string | undefined) => type === undefined || type === 'dir' || type === 'fs' || type === 'netfs';

export function createVolume(deps: VolumeJobDeps, p: { hostId: string; pool: string; name: string; sizeGiB: number; format: 'qcow2' | 'raw' }): Promise<JobRef> {
  const pool = deps.inventory.pools.find(p.hostId, p.pool);
  if (pool && pool.state !== 'running') throw new HangarError('CONFLICT', `Pool ${p.pool} is stopped`, { message: { key: 'pool.err.stopped', args: { pool: p.pool } } });
  const format = fileBacked(pool?.type) ? p.format : 'raw';
  return deps.jobs.start({ kind: 'volume.create', title: { key: 'job.volume.create', args: { name: p.name } }, target: target(p, p.name), hostId: p.hostId, cancellable: false }, async () => {
    const conn = deps.fleet.libvirt(p.hostId);
    const poolRef = await conn.storagePoolLookupByName(p.pool);
    await conn.storageVolCreateXml(poolRef, buildVolumeXml({ name: p.name, capacityBytes: Math.round(p.sizeGiB * GiB), format, backing: null }));
    await deps.inventory.refreshPool(p.hostId, p.pool).catch(() => null);
    return readVolume(conn, p.pool, p.name);
  });
}

const MiB = 1024 ** 2;
/** A size as the person typed sizes: GiB, or MiB below one GiB (a 64 MiB volume is not "0.06 GiB"). */
const fmtSize = (bytes: number) => (bytes < GiB ? `${Math.round(bytes / MiB)} MiB` : `${Math.round((bytes / GiB) * 100) / 100} GiB`);

/**
 * Grows a volume; never shrinks it (003 L5933: a shrink cuts the guest's file system), and a volume
 * a running VM uses is grown from the VM's Disks tab (live, so the guest sees it), not here.
 */
export async function resizeVolume(deps: VolumeJobDeps, p: { hostId: string; pool: string; volume: string; sizeGiB: number }): Promise<JobRef> {
  const conn = deps.fleet.libvirt(p.hostId);
  const current = await readVolume(conn, p.pool, p.volume);
  const bytes = Math.round(p.sizeGiB * GiB);
  if (bytes <= current.capacity) {
    const now = fmtSize(current.capacity);
    throw new HangarError('INVALID_PARAMS', `${p.volume} is ${now}: a volume only grows, never shrinks; give a larger size`, {
      issues: [{ path: 'sizeGiB', rule: 'min', limit: current.capacity / GiB, of: 'number', hint: `larger than the current ${now}` }],
      messages: { sizeGiB: { key: 'vol.err.shrink', args: { volume: p.volume, size: now } } },
    });
  }
  const running = volumeUsers(await diskUsers(conn), p.pool, p.volume, current.path).filter((u) => u.active);
  if (running.length) {
    const vms = running.map((u) => u.name).join(', ');
    throw new HangarError('CONFLICT', `${vms} runs with ${p.volume}: grow it from the VM's Disks tab, so the guest sees the new size`, { message: { key: 'vol.err.resizeRunning', args: { volume: p.volume, vms } } });
  }
  return deps.jobs.start({ kind: 'volume.resize', title: { key: 'job.volume.resize', args: { name: p.volume } }, target: target(p, p.volume), hostId: p.hostId, cancellable: false }, async () => {
    await conn.storageVolResize(await lookup(conn, p.pool, p.volume), bytes);
    await deps.inventory.refreshPool(p.hostId, p.pool).catch(() => null);
    return readVolume(conn, p.pool, p.volume);
  });
}

/** Wipe and delete are refused while a VM definition uses the volume or another volume is an overlay on it. */
async function refuseInUse(conn: LibvirtConnection, p: { pool: string; volume: string }, action: 'wipe' | 'delete'): Promise<void> {
  const vol = await readVolume(conn, p.pool, p.volume);
  const users = volumeUsers(await diskUsers(conn), p.pool, p.volume, vol.path).map((u) => u.name);
  if (users.length === 0) return;
  const vms = users.sort().join(', ');
  throw new HangarError('CONFLICT', `${p.volume} is a disk of ${vms}: it cannot be ${action === 'wipe' ? 'wiped' : 'deleted'}`, {
    message: { key: action === 'wipe' ? 'vol.err.inUseWipe' : 'vol.err.inUseDelete', args: { volume: p.volume, vms } },
  });
}

export async function wipeOrDeleteVolume(deps: VolumeJobDeps, p: { hostId: string; pool: string; volume: string }, action: 'wipe' | 'delete'): Promise<JobRef> {
  const conn = deps.fleet.libvirt(p.hostId);
  await refuseInUse(conn, p, action);
  const kind = action === 'wipe' ? 'volume.wipe' : 'volume.delete';
  return deps.jobs.start({ kind, title: { key: `job.${kind}`, args: { name: p.volume } }, target: target(p, p.volume), hostId: p.hostId, cancellable: false }, async () => {
    await refuseInUse(conn, p, action);
    const ref = await lookup(conn, p.pool, p.volume);
    if (action === 'wipe') await conn.storageVolWipe(ref);
    else await conn.storageVolDelete(ref);
    await deps.inventory.refreshPool(p.hostId, p.pool).catch(() => null);
    return null;
  });
}
