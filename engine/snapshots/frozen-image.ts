import { HangarError } from '../contract/errors';
import { isNotFound, type DomainRef, type LibvirtConnection } from '../libvirt';
import { snapshotDiskSources } from '../xml/domain-clone';
import { readSnapshotXml } from '../xml/snapshot';
import { readVolumeXml } from '../xml/volume';

/** What a snapshot froze of one disk: the image that holds the disk as it was then. */
export interface FrozenImage {
  kind: 'external' | 'internal';
  path: string;
  format: string;
  /** An internal snapshot: its name inside `path` (read with `qemu-img convert -l snapshot.name=`). */
  snapshot?: string;
  /**
   * The VM writes to `path` (an internal snapshot in the image on top of the disk's chain): only
   * the snapshot's clusters inside it stay as they were, and while the VM runs QEMU holds the
   * file open for writing. An external snapshot's frozen image is a backing file: nobody writes it.
   */
  written: boolean;
}

/** A snapshot of a VM, read once, that tells for each of its disks what it froze. */
export interface SnapshotImages {
  name: string;
  /** Null when the snapshot does not cover this disk (snapshot='no'). */
  frozen(disk: { target: string; source: string; format: string }): Promise<FrozenImage | null>;
}

const refuse = (code: 'CONFLICT' | 'NOT_FOUND', key: string, args: Record<string, string>, english: string) => new HangarError(code, english, { message: { key, args } });

/**
 * The one reading of where a snapshot's data is, for every copy made from a snapshot (a clone, a
 * template): an external snapshot froze the image below its overlay (the overlay's backing file);
 * an internal one lives in the image that held the disk when it was taken (later external
 * snapshots put overlays on top of it).
 */
export async function snapshotImages(conn: LibvirtConnection, dom: DomainRef, vmName: string, snapshot: string): Promise<SnapshotImages> {
  let snapXml: string;
  try {
    snapXml = await conn.snapshotGetXmlDesc(await conn.snapshotLookupByName(dom, snapshot));
  } catch (err) {
    if (isNotFound(err)) throw refuse('NOT_FOUND', 'snap.err.noSnapshot', { name: vmName, snapshot }, `${vmName} has no snapshot ${snapshot}`);
    throw err;
  }
  const disks = new Map(readSnapshotXml(snapXml).disks.map((d) => [d.target, { location: d.snapshot, file: d.file }]));
  const sources = snapshotDiskSources(snapXml);
  const formatOf = async (path: string) => readVolumeXml(await conn.storageVolGetXmlDesc(await conn.storageVolLookupByPath(path))).format;
  return {
    name: snapshot,
    async frozen(d) {
      const s = disks.get(d.target);
      if (s?.location === 'external' && s.file) {
        // After an external snapshot the VM writes to its overlay; what the snapshot froze is the overlay's backing file.
        const overlay = readVolumeXml(await conn.storageVolGetXmlDesc(await conn.storageVolLookupByPath(s.file)));
        if (!overlay.backing) throw refuse('CONFLICT', 'snap.err.noFrozen', { disk: d.target, snapshot }, `The snapshot ${snapshot} of ${d.target} has no frozen image (was it committed?)`);
        return { kind: 'external', path: overlay.backing.path, format: overlay.backing.format, written: false };
      }
      if (s?.location === 'internal') {
        const holder = sources.get(d.target) ?? d.source;
        return { kind: 'internal', path: holder, format: holder === d.source ? d.format : await formatOf(holder), snapshot, written: holder === d.source };
      }
      return null;
    },
  };
}
