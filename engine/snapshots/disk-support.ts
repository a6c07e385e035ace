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

/** Where an external snapshot's overlay for a disk goes: beside the image, named after the snapshot. */
export function overlayPath(source: string, snapshot: string): string {
  const base = source.replace(/\.qcow2$/, '');
  return `${base}-${snapshot}.qcow2`;
}
