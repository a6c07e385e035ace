import type { z } from 'zod';
import type { SnapshotDiskSupport } from '../contract/snapshots';
import type { DomainDisk } from '../xml/domain-read';

type Support = z.infer<typeof SnapshotDiskSupport>;

/**
 * Which disks a snapshot can take (seed 000: none on raw block storage). CD-ROMs and read-only
 * disks are left out of every snapshot, not refused: nothing writes to them.
 */
export function diskSupport(disks: readonly DomainDisk[]): Support[] {
  return disks
    .filter((d) => d.device === 'disk' && d.source)
    .map((d) => {
      const reason: Support['reason'] = d.readonly ? 'readonly' : d.source!.startsWith('/dev/') ? 'block' : !d.source!.startsWith('/') ? 'network' : d.format !== 'qcow2' ? 'raw' : null;
      return { target: d.target, source: d.source, format: d.format, supported: reason === null || reason === 'readonly', reason };
    });
}

/**
 * Where an external snapshot's overlay for a disk goes: beside the disk's present image, named by
 * VM, disk and snapshot (not after the image, which after a first snapshot is itself an overlay).
 */
export function overlayPath(source: string, vmName: string, target: string, snapshot: string): string {
  return `${source.slice(0, source.lastIndexOf('/') + 1)}${vmName}-${target}-${snapshot}.qcow2`;
}
