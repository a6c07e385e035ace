import { el, renderXml } from './build';
import { attr, node, readXml, scaledBytes, text } from './parse';

/** What Hangar asks libvirt to create: a volume of a format, optionally over a backing file (an overlay). */
export interface VolumeSpec {
  name: string;
  capacityBytes: number;
  format: string;
  backing: { path: string; format: string } | null;
  /** Bytes to allocate up front (0: sparse, as an upload wants); libvirt's default is all of the capacity. */
  allocationBytes?: number | null;
}

/** A volume as libvirt describes it (storageVolGetXMLDesc). */
export interface VolumeInfo extends VolumeSpec {
  /** file, block, dir, network…; null when not written (a volume being defined). */
  type: string | null;
  key: string | null;
  path: string | null;
  allocationBytes: number | null;
}

export function buildVolumeXml(v: VolumeSpec): string {
  return renderXml(
    el(
      'volume',
      {},
      el('name', {}, v.name),
      el('capacity', { unit: 'bytes' }, String(Math.ceil(v.capacityBytes))),
      v.allocationBytes != null ? el('allocation', { unit: 'bytes' }, String(Math.ceil(v.allocationBytes))) : null,
      el('target', {}, el('format', { type: v.format })),
      v.backing ? el('backingStore', {}, el('path', {}, v.backing.path), el('format', { type: v.backing.format })) : null,
    ),
  );
}

export function readVolumeXml(xml: string): VolumeInfo {
  const v = node(readXml(xml, 'volume').volume);
  const target = node(v.target);
  const backing = node(v.backingStore);
  const backingPath = text(backing.path);
  return {
    name: text(v.name) ?? '',
    type: attr(v, 'type'),
    key: text(v.key),
    path: text(target.path),
    capacityBytes: scaledBytes(v.capacity, 'bytes') ?? 0,
    allocationBytes: scaledBytes(v.allocation, 'bytes'),
    format: attr(node(target.format), 'type') ?? 'raw',
    backing: backingPath ? { path: backingPath, format: attr(node(backing.format), 'type') ?? 'raw' } : null,
  };
}
