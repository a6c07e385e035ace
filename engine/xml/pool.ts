import { el, renderXml } from './build';
import { attr, node, readXml, scaledBytes, text } from './parse';

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
}

export function readPoolXml(xml: string): PoolInfo {
  const p = node(readXml(xml, 'pool').pool);
  return {
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
