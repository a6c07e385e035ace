import { HangarError } from '../contract/errors';
import { isNotFound, type LibvirtConnection } from '../libvirt';

export interface VolumeInfo {
  name: string;
  path: string;
  capacity: number;
  allocation: number;
}

/**
 * A pool's volumes as they are on disk now: the pool is refreshed first (files come and go behind
 * libvirt's back), and a volume that vanishes meanwhile is left out rather than failing the list.
 */
export async function listVolumes(conn: LibvirtConnection, poolName: string): Promise<{ volumes: VolumeInfo[] }> {
  let pool;
  try {
    pool = await conn.storagePoolLookupByName(poolName);
  } catch (err) {
    if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No storage pool ${poolName}`);
    throw err;
  }
  await conn.storagePoolRefresh(pool).catch(() => undefined); // an inactive pool cannot refresh; list what it has
  const refs = await conn.listAllVolumes(pool);
  const rows = await Promise.all(
    refs.map(async (v) => {
      try {
        const [info, path] = await Promise.all([conn.storageVolGetInfo(v), conn.storageVolGetPath(v)]);
        return { name: v.name, path, capacity: info.capacity, allocation: info.allocation };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    }),
  );
  return { volumes: rows.filter((r): r is VolumeInfo => r !== null).sort((a, b) => a.name.localeCompare(b.name)) };
}
