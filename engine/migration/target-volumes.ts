import { HangarError } from '../contract/errors';
import type { ArtifactHandle, JobContext } from '../jobs/job-runner';
import { isNotFound, type LibvirtConnection, type StorageVolRef } from '../libvirt';
import { buildVolumeXml, readVolumeXml } from '../xml/volume';
import type { SourcePath } from './preflight';

/** One disk's copy on the target: made before the move, journalled before it is asked for. */
export interface TargetVolume {
  disk: SourcePath;
  pool: string;
  name: string;
  path: string;
  format: string;
  bytes: number;
  handle: ArtifactHandle;
}

/**
 * Creates, in the pool chosen for each disk on the target, an empty volume of the disk's size and
 * format (no backing chain: the copy is whole). Each is journalled first, so a failure or a crash
 * still says what to clean; on failure the ones made so far are deleted again.
 */
export async function createTargetVolumes(ctx: JobContext, conn: LibvirtConnection, targetHostId: string, disks: { disk: SourcePath; pool: string }[], source: LibvirtConnection): Promise<TargetVolume[]> {
  const made: TargetVolume[] = [];
  try {
    for (const { disk, pool } of disks) {
      if (!disk.volume) throw new HangarError('CONFLICT', `Disk ${disk.target ?? disk.path} is not a volume of a storage pool, so it cannot be copied`);
      const srcVol = readVolumeXml(await source.storageVolGetXmlDesc(await source.storageVolLookupByPath(disk.path)));
      const p = await conn.storagePoolLookupByName(pool);
      const handle = await ctx.journal.artifact({ kind: 'volume', hostId: targetHostId, pool, name: disk.volume });
      let vol: StorageVolRef;
      try {
        vol = await conn.storageVolCreateXml(p, buildVolumeXml({ name: disk.volume, capacityBytes: srcVol.capacityBytes, format: srcVol.format, backing: null }));
      } catch (err) {
        await handle.removed();
        throw err;
      }
      await handle.created();
      made.push({ disk, pool, name: disk.volume, path: await conn.storageVolGetPath(vol), format: srcVol.format, bytes: srcVol.capacityBytes, handle });
    }
    return made;
  } catch (err) {
    await deleteTargetVolumes(conn, made);
    throw err;
  }
}

/** Rollback: the copies go again (a volume already gone counts as deleted). */
export async function deleteTargetVolumes(conn: LibvirtConnection, vols: readonly TargetVolume[]): Promise<void> {
  for (const v of vols) {
    try {
      await conn.storageVolDelete(await conn.storageVolLookupByName(await conn.storagePoolLookupByName(v.pool), v.name), 0);
      await v.handle.removed();
    } catch (err) {
      if (isNotFound(err)) await v.handle.removed();
      // Otherwise it stays journalled as created: the job's leftovers name it for a clean-up.
    }
  }
}

/** After the source definition is gone: its moved disks go too (a missing one is fine). */
export async function deleteSourceVolumes(conn: LibvirtConnection, paths: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const path of paths) {
    try {
      await conn.storageVolDelete(await conn.storageVolLookupByPath(path), 0);
    } catch (err) {
      if (!isNotFound(err)) failed.push(`${path}: ${HangarError.from(err).message}`);
    }
  }
  return failed;
}
