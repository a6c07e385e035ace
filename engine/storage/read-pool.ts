import type { Pool } from '../contract/storage';
import { POOL_STATES } from '../contract/storage';
import { HostObjects } from '../inventory/host-objects';
import { isNotFound, type LibvirtConnection } from '../libvirt';
import type { StoragePoolRef } from '../libvirt/protocol/types';
import { readPoolXml } from '../xml/pool';

/** A pool as the contract shows it; `onRootFs` is filled in by the root file system probe. */
export async function readPool(conn: LibvirtConnection, hostId: string, ref: StoragePoolRef): Promise<Pool> {
  const [info, xml, autostart] = await Promise.all([conn.storagePoolGetInfo(ref), conn.storagePoolGetXmlDesc(ref), conn.storagePoolGetAutostart(ref)]);
  const x = readPoolXml(xml);
  return {
    id: HostObjects.id(hostId, ref.name),
    hostId,
    name: ref.name,
    uuid: ref.uuid,
    type: x.type,
    state: POOL_STATES[info.state] ?? 'inaccessible',
    autostart,
    capacity: info.capacity,
    allocation: info.allocation,
    available: info.available,
    targetPath: x.targetPath,
    source: x.source,
    onRootFs: null,
  };
}

/** Every pool of the host; one that vanishes meanwhile is left out. */
export async function readPools(conn: LibvirtConnection, hostId: string): Promise<Pool[]> {
  const refs = await conn.listAllStoragePools();
  const pools = await Promise.all(refs.map((r) => readPool(conn, hostId, r).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)))));
  return pools.filter((p): p is Pool => p !== null);
}

/** The pool named, or null when the host has none by that name. */
export async function readPoolByName(conn: LibvirtConnection, hostId: string, name: string): Promise<Pool | null> {
  try {
    return await readPool(conn, hostId, await conn.storagePoolLookupByName(name));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
