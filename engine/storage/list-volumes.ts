import { HangarError } from '../contract/errors';
import type { Volume } from '../contract/storage';
import { isNotFound, type LibvirtConnection } from '../libvirt';
import { readVolumeXml } from '../xml/volume';
import { diskUsers, volumeUsers } from './storage-users';

export type VolumeInfo = Volume;

/**
 * A pool's volumes as they are on disk now: the pool is refreshed first (files come and go behind
 * libvirt's back), and a volume that vanishes meanwhile is left out rather than failing the list.
 */
export async function listVolumes(conn: LibvirtConnection, poolName: string): Promise<{ volumes: VolumeInfo[] }> {
  return { volumes: (await readVolumes(conn, poolName)).map(({ backing: _b, ...v }) => v) };
}

async function readVolumes(conn: LibvirtConnection, poolName: string): Promise<Array<VolumeInfo & { backing: string | null }>> {
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
        const [info, path, xml] = await Promise.all([conn.storageVolGetInfo(v), conn.storageVolGetPath(v), conn.storageVolGetXmlDesc(v)]);
        const x = readVolumeXml(xml);
        return { name: v.name, path, capacity: info.capacity, allocation: info.allocation, format: x.format, backing: x.backing?.path ?? null };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    }),
  );
  return rows.filter((r) => r !== null).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The volumes with who uses them: VM definitions on the host (active or inactive) and overlays in
 * the pool whose backing file a volume is. A volume with neither is an orphan.
 */
export async function listVolumesUsage(conn: LibvirtConnection, poolName: string): Promise<{ volumes: VolumeInfo[] }> {
  const [rows, users] = await Promise.all([readVolumes(conn, poolName), diskUsers(conn)]);
  return {
    volumes: rows.map(({ backing: _b, ...v }) => ({
      ...v,
      usedBy: volumeUsers(users, poolName, v.name, v.path).map((u) => u.name).sort(),
      backingOf: rows.filter((r) => r.backing === v.path).map((r) => r.name),
    })),
  };
}
