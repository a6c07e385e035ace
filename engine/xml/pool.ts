import { el, renderXml } from './build';
import { attr, list, node, readXml, scaledBytes, text } from './parse';

/** A storage pool as libvirt describes it (storagePoolGetXMLDesc). */
export interface PoolInfo {
  name: string;
  uuid: string | null;
  type: string;
  /** The target directory (dir, fs and netfs pools) or device directory; null for pools with none (rbd…). */
  targetPath: string | null;
  capacityBytes: number | null;
  allocationBytes: number | null;
  availableBytes: number | null;
  /** Where the data comes from, as one line (`nfs1:/export`, `/dev/sdb /dev/sdc → vg`, an IQN); null for a dir pool. */
  source: string | null;
}

const ARRAY_TAGS = new Set(['device', 'host']);

export function readPoolXml(xml: string): PoolInfo {
  const p = node(readXml(xml, 'pool', ARRAY_TAGS).pool);
  return {
    source: sourceLine(node(p.source)),
    name: text(p.name) ?? '',
    uuid: text(p.uuid),
    type: attr(p, 'type') ?? 'dir',
    targetPath: text(node(p.target).path) || null,
    capacityBytes: scaledBytes(p.capacity, 'bytes'),
    allocationBytes: scaledBytes(p.allocation, 'bytes'),
    availableBytes: scaledBytes(p.available, 'bytes'),
  };
}

/** A pool's target directory, or null (also for XML that cannot be read: a pool is then counted alone). */
export function poolTargetPath(xml: string): string | null {
  try {
    return readPoolXml(xml).targetPath;
  } catch {
    return null;
  }
}

/** A directory pool, as virt-manager defines `default` on first run. */
export function buildDirPoolXml(p: { name: string; targetPath: string }): string {
  return renderXml(el('pool', { type: 'dir' }, el('name', {}, p.name), el('target', {}, el('path', {}, p.targetPath))));
}

function sourceLine(src: Record<string, unknown>): string | null {
  const hosts = list(src.host).map((h) => attr(h, 'name') ?? '').filter(Boolean);
  const dir = attr(node(src.dir), 'path');
  const devices = list(src.device).map((d) => attr(d, 'path') ?? '').filter(Boolean);
  const vg = text(src.name);
  if (dir) return `${hosts.length ? `${hosts.join(',')}:` : ''}${dir}`;
  if (hosts.length && devices.length) return `${hosts.join(',')} ${devices.join(' ')}`;
  if (devices.length || vg) return [devices.join(' '), vg].filter(Boolean).join(' → ');
  return null;
}

/** What Hangar creates (the four kinds of issue 17); the form's fields, already validated. */
export type PoolSpec =
  | { type: 'dir'; name: string; targetPath: string }
  | { type: 'logical'; name: string; vgName: string; devices: readonly string[] }
  | { type: 'netfs'; name: string; sourceHost: string; sourcePath: string; targetPath: string }
  | { type: 'iscsi'; name: string; sourceHost: string; iqn: string };

/** A pool definition as virt-manager and Cockpit write each kind. */
export function buildPoolXml(p: PoolSpec): string {
  const name = el('name', {}, p.name);
  switch (p.type) {
    case 'dir':
      return buildDirPoolXml(p);
    case 'logical':
      return renderXml(
        el(
          'pool',
          { type: 'logical' },
          name,
          el('source', {}, ...p.devices.map((d) => el('device', { path: d })), el('name', {}, p.vgName), el('format', { type: 'lvm2' })),
          el('target', {}, el('path', {}, `/dev/${p.vgName}`)),
        ),
      );
    case 'netfs':
      return renderXml(
        el(
          'pool',
          { type: 'netfs' },
          name,
          el('source', {}, el('host', { name: p.sourceHost }), el('dir', { path: p.sourcePath }), el('format', { type: 'auto' })),
          el('target', {}, el('path', {}, p.targetPath)),
        ),
      );
    case 'iscsi':
      return renderXml(
        el('pool', { type: 'iscsi' }, name, el('source', {}, el('host', { name: p.sourceHost }), el('device', { path: p.iqn })), el('target', {}, el('path', {}, '/dev/disk/by-path'))),
      );
  }
}
