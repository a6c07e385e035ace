import { el, renderXml } from './build';
import { attr, list, node, readXml, text } from './parse';

/** Where a snapshot keeps a part of the VM: in the image (internal), in a new file (external), or not at all. */
export type SnapshotLocation = 'internal' | 'external' | 'no';

export interface SnapshotDisk {
  target: string;
  snapshot: SnapshotLocation;
  /** The overlay an external disk snapshot writes to; libvirt picks one beside the image when null. */
  file: string | null;
}

/**
 * What Hangar asks for. `memory: 'no'` is a disk-only snapshot (a stopped VM's only kind; a
 * running VM's with the DISK_ONLY flag); 'internal' keeps RAM in the qcow2 image, 'external' in
 * `memoryFile`. An empty `disks` leaves each disk to libvirt's default.
 */
export interface SnapshotSpec {
  name: string;
  description: string | null;
  memory: SnapshotLocation;
  memoryFile: string | null;
  disks: SnapshotDisk[];
}

/** A snapshot as libvirt describes it (snapshotGetXMLDesc). */
export interface SnapshotInfo extends SnapshotSpec {
  /** The domain's state when it was taken (running, shutoff, disk-snapshot…). */
  state: string | null;
  parent: string | null;
  /** Seconds since the epoch. */
  creationTime: number | null;
  domainUuid: string | null;
}

export function buildSnapshotXml(s: SnapshotSpec): string {
  return renderXml(
    el(
      'domainsnapshot',
      {},
      el('name', {}, s.name),
      s.description ? el('description', {}, s.description) : null,
      el('memory', { snapshot: s.memory, file: s.memory === 'external' ? s.memoryFile : null }),
      s.disks.length > 0
        ? el('disks', {}, ...s.disks.map((d) => el('disk', { name: d.target, snapshot: d.snapshot }, d.snapshot === 'external' && d.file ? el('source', { file: d.file }) : null)))
        : null,
    ),
  );
}

const ARRAY_TAGS = new Set(['disk']);
const location = (v: string | null): SnapshotLocation => (v === 'internal' || v === 'external' ? v : 'no');

export function readSnapshotXml(xml: string): SnapshotInfo {
  const s = node(readXml(xml, 'snapshot', ARRAY_TAGS).domainsnapshot);
  const memory = node(s.memory);
  const created = text(s.creationTime);
  return {
    name: text(s.name) ?? '',
    description: text(s.description),
    memory: location(attr(memory, 'snapshot')),
    memoryFile: attr(memory, 'file'),
    disks: list(node(s.disks).disk).map((d) => ({ target: attr(d, 'name') ?? '', snapshot: location(attr(d, 'snapshot')), file: attr(node(d.source), 'file') })),
    state: text(s.state),
    parent: text(node(s.parent).name),
    creationTime: created === null ? null : Number(created),
    domainUuid: text(node(s.domain).uuid),
  };
}
