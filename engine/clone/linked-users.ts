import { HangarError } from '../contract/errors';
import { isNotFound, type LibvirtConnection } from '../libvirt';
import { readVolumeXml } from '../xml/volume';

export const backingOf = async (c: LibvirtConnection, path: string): Promise<string | null> => {
  try {
    return readVolumeXml(await c.storageVolGetXmlDesc(await c.storageVolLookupByPath(path))).backing?.path ?? null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
};

/**
 * Refuses to delete external snapshots whose frozen image a linked clone sits on: the block
 * commit that deletes them writes the VM's later changes into that image, under the clone.
 * `overlays`: the snapshots' overlay files (the frozen image is each one's backing file).
 */
export async function refuseIfLinkedClones(c: LibvirtConnection, snapshot: string, overlays: readonly string[]): Promise<void> {
  for (const overlay of overlays) {
    const frozen = await backingOf(c, overlay);
    if (!frozen) continue;
    let pool;
    try {
      pool = await c.storagePoolLookupByName((await c.storageVolLookupByPath(frozen)).pool);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    for (const v of await c.listAllVolumes(pool)) {
      const path = await c.storageVolGetPath(v).catch(() => '');
      if (path === overlay || !path) continue;
      if ((await backingOf(c, path)) === frozen) {
        throw new HangarError('CONFLICT', `The snapshot ${snapshot} is the base of the linked clone disk ${v.name}: delete that clone first`, {
          message: { key: 'clone.err.snapshotHasClones', args: { snapshot, volume: v.name } },
        });
      }
    }
  }
}
