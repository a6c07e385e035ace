import { HangarError } from '../contract/errors';
import { el, renderXml } from './build';
import { hangarNode, hangarText } from './domain-edit';
import { attr, child, element, elements, insertAfter, parseXml, removeChild, serializeXml, setAttributes, setText, textOf, type XmlElement } from './lossless';
import { hangarMetadataEl } from './metadata';
import { parseDomainXml } from './domain-read';

/** What a clone changes in its source's persistent XML; everything else is kept byte for byte. */
export interface CloneIdentity {
  name: string;
  uuid: string;
  /** Per interface, in document order: its new MAC address. */
  macs: string[];
  /** Disk or CD-ROM source path → the clone's file and its format (its new volume, or its new seed). */
  sources: Map<string, { path: string; format: string }>;
  /** The clone's NVRAM file (UEFI), when the source has one. */
  nvram: string | null;
  origin: string;
  createdBy: string;
  createdAt: string;
}

const fresh = (e: Parameters<typeof renderXml>[0]): XmlElement => element(renderXml(e, { pretty: false }));

/** The files a serial or console logs to are per VM: the source's name in it becomes the clone's. */
function renameLog(path: string, from: string, to: string): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  return dir + (base.includes(from) ? base.split(from).join(to) : `${to}-${base}`);
}

/**
 * The clone's domain XML from its source's inactive XML: new name, UUID, MACs, disk and seed
 * files, NVRAM file and log files; Hangar's metadata records where it came from. A graphics port
 * fixed by hand becomes automatic, so the clone can run beside its source.
 */
export function cloneDomainXml(xml: string, c: CloneIdentity): string {
  const doc = parseXml(xml);
  const d = doc.find((n): n is XmlElement => n.kind === 'element');
  if (d?.name !== 'domain') throw new HangarError('INVALID_PARAMS', 'Not a domain XML');
  const name = child(d, 'name');
  if (!name) throw new HangarError('INVALID_PARAMS', 'The domain XML has no <name>');
  const sourceName = textOf(name);
  setText(name, c.name);
  const uuid = child(d, 'uuid');
  if (uuid) setText(uuid, c.uuid);
  else insertAfter(d, name, [fresh(el('uuid', {}, c.uuid))]);

  const old = hangarNode(d);
  const labels = parseDomainXml(xml).hangar?.labels ?? {};
  const keep = (n: string) => (old ? hangarText(old, n) : null);
  const node = fresh(hangarMetadataEl({ labels, group: keep('group'), os: keep('os'), origin: c.origin, createdBy: c.createdBy, createdAt: c.createdAt }));
  let meta = child(d, 'metadata');
  if (old && meta) meta.children.splice(meta.children.indexOf(old), 1, node);
  else {
    if (!meta) insertAfter(d, child(d, 'uuid') ?? name, [(meta = fresh(el('metadata')))]);
    insertAfter(meta, null, [node]);
  }

  const os = child(d, 'os');
  const nvram = os && child(os, 'nvram');
  if (nvram && c.nvram) setText(nvram, c.nvram);
  // Without a copy (no file yet), libvirt makes the clone a fresh one from the template.
  else if (nvram && textOf(nvram).trim()) removeChild(os, nvram);

  const devices = child(d, 'devices');
  if (devices) {
    let nic = 0;
    for (const dev of elements(devices)) {
      if (dev.name === 'disk') {
        const src = child(dev, 'source');
        const file = src && attr(src, 'file');
        const to = file ? c.sources.get(file) : undefined;
        if (src && to) {
          setAttributes(src, { file: to.path });
          const driver = child(dev, 'driver');
          if (driver) setAttributes(driver, { type: to.format });
          // The chain below the source is not the clone's: a flattened copy has none, an overlay its own.
          const backing = child(dev, 'backingStore');
          if (backing) removeChild(dev, backing);
        }
      } else if (dev.name === 'interface') {
        const mac = c.macs[nic++];
        if (!mac) throw new HangarError('INTERNAL', 'A new MAC address is missing for an interface');
        const m = child(dev, 'mac');
        if (m) setAttributes(m, { address: mac });
        else insertAfter(dev, null, [fresh(el('mac', { address: mac }))]);
        // A target device name (vnet3) belongs to the running source.
        const target = child(dev, 'target');
        if (target) removeChild(dev, target);
      } else if (dev.name === 'serial' || dev.name === 'console') {
        const log = child(dev, 'log');
        const file = log && attr(log, 'file');
        if (log && file) setAttributes(log, { file: renameLog(file, sourceName, c.name) });
      } else if (dev.name === 'graphics' && attr(dev, 'autoport') === 'no') {
        setAttributes(dev, { autoport: 'yes', port: '-1' });
      }
    }
  }
  return serializeXml(doc);
}

/** How many interfaces a domain has: the number of new MACs a clone needs. */
export function interfaceCount(xml: string): number {
  return parseDomainXml(xml).nics.length;
}

/** The `<nvram>` file of a UEFI domain, if it names one. */
export function nvramPath(xml: string): string | null {
  const d = parseXml(xml).find((n): n is XmlElement => n.kind === 'element');
  const os = d && child(d, 'os');
  const n = os && child(os, 'nvram');
  const path = n ? textOf(n).trim() : '';
  return path || null;
}

/**
 * The disk files of the domain as a snapshot recorded it (the `<domain>` inside its XML), by
 * target: where an internal snapshot lives, even after later external snapshots moved the VM
 * onto overlays.
 */
export function snapshotDiskSources(snapshotXml: string): Map<string, string> {
  const root = parseXml(snapshotXml).find((n): n is XmlElement => n.kind === 'element');
  const dom = root && child(root, 'domain');
  const devices = dom && child(dom, 'devices');
  const out = new Map<string, string>();
  for (const disk of devices ? elements(devices).filter((e) => e.name === 'disk') : []) {
    const src = child(disk, 'source');
    const target = child(disk, 'target');
    const file = src && attr(src, 'file');
    const dev = target && attr(target, 'dev');
    if (file && dev) out.set(dev, file);
  }
  return out;
}
