import { HangarError } from '../contract/errors';
import { attributes, child, elements, parseXml, removeChild, serializeXml, setAttributes, type XmlElement } from './lossless';
import { attr, list, node, readXml, text, type XmlObject as Node } from './parse';

/** Every path a domain needs on the host it runs on: what a migration must find on the target. */
export interface MigrationPath {
  kind: 'disk' | 'cdrom' | 'kernel' | 'initrd' | 'nvram' | 'loader';
  /** The disk's target (vda, sdb) for disks and CD-ROMs. */
  target: string | null;
  path: string;
  readonly: boolean;
  format: string | null;
}

/** What pre-flight reads from a domain's XML. */
export interface MigrationFacts {
  paths: MigrationPath[];
  /** Devices bound to this host's hardware: `<hostdev>`, and NICs of type hostdev (SR-IOV). */
  hostDevices: string[];
  /** Disks whose source is not a local path (network, or a volume Hangar cannot resolve here). */
  otherDisks: string[];
  /** The libvirt networks its NICs attach to (each once). */
  networks: string[];
}

const ARRAY_TAGS = new Set(['disk', 'interface', 'hostdev']);

function diskPath(disk: Node): string | null {
  const src = node(disk.source);
  return attr(src, 'file') ?? attr(src, 'dev') ?? null;
}

/** Reads the paths and host-bound devices of a domain XML (a live one has volume disks resolved to files). */
export function migrationFacts(xml: string): MigrationFacts {
  const d = node(readXml(xml, 'domain', ARRAY_TAGS).domain);
  const os = node(d.os);
  const devices = node(d.devices);
  const paths: MigrationPath[] = [];
  const otherDisks: string[] = [];
  for (const disk of list(devices.disk)) {
    const device = attr(disk, 'device') ?? 'disk';
    const target = attr(node(disk.target), 'dev');
    const type = attr(disk, 'type') ?? 'file';
    const p = diskPath(disk);
    const readonly = disk.readonly !== undefined || device === 'cdrom';
    if (p) paths.push({ kind: device === 'cdrom' ? 'cdrom' : 'disk', target, path: p, readonly, format: attr(node(disk.driver), 'type') });
    else if (type === 'volume') {
      const src = node(disk.source);
      otherDisks.push(`${target ?? '?'} (${attr(src, 'pool') ?? '?'}/${attr(src, 'volume') ?? '?'})`);
    } else if (type === 'network') otherDisks.push(`${target ?? '?'} (${attr(node(disk.source), 'protocol') ?? 'network'})`);
  }
  const kernel = text(os.kernel);
  if (kernel) paths.push({ kind: 'kernel', target: null, path: kernel, readonly: true, format: null });
  const initrd = text(os.initrd);
  if (initrd) paths.push({ kind: 'initrd', target: null, path: initrd, readonly: true, format: null });
  const loader = text(os.loader);
  if (loader) paths.push({ kind: 'loader', target: null, path: loader, readonly: true, format: null });
  const nvram = text(os.nvram);
  if (nvram) paths.push({ kind: 'nvram', target: null, path: nvram, readonly: false, format: null });
  const hostDevices = list(devices.hostdev).map((h) => {
    const a = node(node(h.source).address);
    const where = ['domain', 'bus', 'slot', 'function'].map((k) => attr(a, k)).filter(Boolean).join(':');
    return `hostdev ${attr(h, 'type') ?? ''}${where ? ` ${where}` : ''}`.trim();
  });
  for (const nic of list(devices.interface)) if (attr(nic, 'type') === 'hostdev') hostDevices.push(`interface hostdev ${attr(node(nic.mac), 'address') ?? ''}`.trim());
  const networks = [...new Set(list(devices.interface).filter((n) => (attr(n, 'type') ?? 'network') === 'network').map((n) => attr(node(n.source), 'network')).filter((x): x is string => !!x))];
  return { paths, hostDevices, otherDisks, networks };
}

/** The guest CPU as a host's hypervisor is asked about it (virConnectCompareHypervisorCPU). */
export interface GuestCpu {
  /** The domain's `<cpu>` element as written, or null when it has none. */
  xml: string | null;
  mode: string | null;
  emulator: string | null;
  arch: string | null;
  machine: string | null;
  /** The domain type: kvm or qemu. */
  virttype: string | null;
}

/** Reads the guest CPU of a (live) domain XML: a running VM's host-model is expanded there. */
export function guestCpu(xml: string): GuestCpu {
  const doc = parseXml(xml);
  const domain = doc.find((n): n is XmlElement => n.kind === 'element');
  if (domain?.name !== 'domain') throw new HangarError('INVALID_PARAMS', 'Not a domain XML');
  const cpu = child(domain, 'cpu');
  const d = node(readXml(xml, 'domain', ARRAY_TAGS).domain);
  const os = node(d.os);
  return {
    xml: cpu ? serializeXml([cpu]) : null,
    mode: attr(node(d.cpu), 'mode'),
    emulator: text(node(d.devices).emulator),
    arch: attr(node(os.type), 'arch'),
    machine: attr(node(os.type), 'machine'),
    virttype: attr(d, 'type'),
  };
}

/**
 * The domain XML with some disks pointed at new files (a storage copy's target volumes): each
 * listed disk becomes a file disk on `path` in `format`; nothing else changes, byte for byte.
 */
export function retargetDisks(xml: string, to: Readonly<Record<string, { path: string; format: string }>>): string {
  const doc = parseXml(xml);
  const domain = doc.find((n): n is XmlElement => n.kind === 'element');
  if (domain?.name !== 'domain') throw new HangarError('INVALID_PARAMS', 'Not a domain XML');
  const devices = child(domain, 'devices');
  const done = new Set<string>();
  for (const disk of devices ? elements(devices).filter((e) => e.name === 'disk') : []) {
    const target = child(disk, 'target');
    const dev = target ? attributes(target).find((a) => a.name === 'dev')?.value : undefined;
    const want = dev ? to[dev] : undefined;
    if (!dev || !want) continue;
    setAttributes(disk, { type: 'file' });
    const source = child(disk, 'source');
    if (!source) throw new HangarError('INVALID_PARAMS', `Disk ${dev} has no source to move`);
    setAttributes(source, { file: want.path, dev: null, pool: null, volume: null, mode: null });
    const driver = child(disk, 'driver');
    if (driver) setAttributes(driver, { type: want.format });
    // The copy is whole (NBD mirrors the flattened disk): the source's backing chain does not follow.
    const backing = child(disk, 'backingStore');
    if (backing) removeChild(disk, backing);
    done.add(dev);
  }
  const missing = Object.keys(to).filter((t) => !done.has(t));
  if (missing.length) throw new HangarError('INVALID_PARAMS', `The domain has no disk ${missing.join(', ')}`);
  return serializeXml(doc);
}
