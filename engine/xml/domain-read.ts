import { HangarError } from '../contract/errors';
import { HANGAR_METADATA_NS, type HangarMetadata } from './metadata';
import { attr, list, node, readXml, scaledBytes, text, type XmlObject as Node } from './parse';

export { HANGAR_METADATA_NS, type HangarMetadata };

export interface DomainDisk {
  device: 'disk' | 'cdrom' | 'floppy' | 'lun';
  target: string;
  bus: string | null;
  format: string | null;
  /** A file path, a block device, or `pool/volume` for volume disks; null for an empty CD-ROM. */
  source: string | null;
  readonly: boolean;
}

export interface DomainNic {
  mac: string | null;
  type: string;
  /** The network or bridge name. */
  source: string | null;
  model: string | null;
  linkUp: boolean;
}

export interface DomainGraphics {
  type: string;
  port: number | null;
  listen: string | null;
  socket: string | null;
  /** True when the XML carries a password (never the password itself). */
  hasPassword: boolean;
}

export interface DomainSummary {
  uuid: string;
  name: string;
  title: string | null;
  description: string | null;
  type: string;
  memoryKiB: number;
  currentMemoryKiB: number;
  maxMemoryKiB: number | null;
  vcpus: number;
  maxVcpus: number;
  arch: string | null;
  machine: string | null;
  /** The QEMU binary and the CPU model (`host-passthrough`, `host-model` or a named model). */
  emulator: string | null;
  cpuModel: string | null;
  osType: string | null;
  firmware: 'bios' | 'efi';
  bootOrder: string[];
  disks: DomainDisk[];
  nics: DomainNic[];
  graphics: DomainGraphics[];
  serials: number;
  /** A qemu-guest-agent channel is configured: only then is the agent worth asking. */
  agentChannel: boolean;
  /**
   * The unix-socket agent channel as the live XML reports it ('absent' when there is none); a
   * channel without a state (inactive XML) counts as connected.
   */
  agentState: 'connected' | 'disconnected' | 'absent';
  /** The `mode` of `<cpu>` (host-passthrough, host-model, custom…), as written. */
  cpuMode: string | null;
  hangar: HangarMetadata | null;
}

/** Elements that may repeat: always arrays, so one device and two devices parse alike. */
const ARRAY_TAGS = new Set(['disk', 'interface', 'graphics', 'serial', 'console', 'channel', 'boot', 'label']);

const toKiB = (v: unknown): number => Math.round((scaledBytes(v, 'KiB') ?? 0) / 1024);

function diskSource(src: Node): string | null {
  const file = attr(src, 'file') ?? attr(src, 'dev') ?? attr(src, 'name');
  if (file) return file;
  const pool = attr(src, 'pool');
  const vol = attr(src, 'volume');
  return pool && vol ? `${pool}/${vol}` : null;
}

function hangarMetadata(metadata: Node): HangarMetadata | null {
  for (const [key, value] of Object.entries(metadata)) {
    const n = node(value);
    const ns = Object.entries(n).find(([k, v]) => k.startsWith('@xmlns') && v === HANGAR_METADATA_NS);
    if (!ns) continue;
    const prefix = key.includes(':') ? key.split(':')[0] + ':' : '';
    const child = (name: string) => n[prefix + name];
    const labels: Record<string, string> = {};
    for (const l of list(node(child('labels'))[prefix + 'label'])) {
      const k = attr(l, 'key');
      if (k) labels[k] = text(l) ?? '';
    }
    return {
      labels,
      group: text(child('group')),
      os: text(child('os')),
      description: text(child('description')),
      origin: text(child('origin')),
      createdBy: text(child('created-by')),
      createdAt: text(child('created-at')),
    };
  }
  return null;
}

const AGENT = 'org.qemu.guest_agent.0';

function agentState(channels: Node[]): DomainSummary['agentState'] {
  const target = channels.filter((c) => attr(c, 'type') === 'unix').map((c) => node(c.target)).find((t) => attr(t, 'name') === AGENT);
  if (!target) return 'absent';
  return attr(target, 'state') === 'disconnected' ? 'disconnected' : 'connected';
}

function cpuModelOf(cpu: Node): string | null {
  const mode = attr(cpu, 'mode');
  const model = text(cpu.model);
  if (mode === 'host-passthrough' || mode === 'maximum') return mode;
  if (mode === 'host-model' && !model) return mode;
  return model ?? mode;
}

const parseDoc = (xml: string): Node => readXml(xml, 'domain', ARRAY_TAGS);

/**
 * The text of `/domain/uuid`, or null when the document has none, or more than one (libvirt would
 * take one of them; Hangar will not guess which). Comments and nested elements do not count.
 */
export function domainUuidOf(xml: string): string | null {
  const doc = parseDoc(xml);
  if (Array.isArray(doc.domain)) return null;
  const uuid = node(doc.domain).uuid;
  return Array.isArray(uuid) ? null : text(uuid);
}

/** KVM or TCG, from the domain type (`qemu` is software emulation; XML that cannot be read is TCG). */
export function domainAccel(xml: string): 'kvm' | 'tcg' {
  try {
    return attr(node(parseDoc(xml).domain), 'type') === 'kvm' ? 'kvm' : 'tcg';
  } catch {
    return 'tcg';
  }
}

/** Parses the parts of a libvirt domain XML that Hangar shows and reasons about. */
export function parseDomainXml(xml: string): DomainSummary {
  const doc = parseDoc(xml);
  const d = node(doc.domain);
  const name = text(d.name);
  const uuid = text(d.uuid);
  if (!name || !uuid) throw new HangarError('LIBVIRT_ERROR', 'Domain XML has no name or uuid');
  const os = node(d.os);
  const osTypeNode = node(os.type);
  const devices = node(d.devices);
  const vcpuNode = d.vcpu;
  const maxVcpus = Number(text(vcpuNode) ?? 1);
  const current = attr(node(vcpuNode), 'current');
  const loader = node(os.loader);
  const firmware = attr(os, 'firmware') === 'efi' || /OVMF|edk2|efi/i.test(text(os.loader) ?? '') || attr(loader, 'type') === 'pflash' ? 'efi' : 'bios';
  const maxMemory = d.maxMemory === undefined ? null : toKiB(d.maxMemory);
  return {
    uuid,
    name,
    title: text(d.title),
    description: text(d.description),
    type: attr(d, 'type') ?? 'kvm',
    memoryKiB: toKiB(d.memory),
    currentMemoryKiB: d.currentMemory === undefined ? toKiB(d.memory) : toKiB(d.currentMemory),
    maxMemoryKiB: maxMemory,
    vcpus: current ? Number(current) : maxVcpus,
    maxVcpus,
    arch: attr(osTypeNode, 'arch'),
    machine: attr(osTypeNode, 'machine'),
    emulator: text(devices.emulator),
    cpuModel: cpuModelOf(node(d.cpu)),
    osType: text(osTypeNode),
    firmware,
    bootOrder: list(os.boot).map((b) => attr(b, 'dev') ?? '').filter(Boolean),
    disks: list(devices.disk).map((disk) => ({
      device: (attr(disk, 'device') ?? 'disk') as DomainDisk['device'],
      target: attr(node(disk.target), 'dev') ?? '',
      bus: attr(node(disk.target), 'bus'),
      format: attr(node(disk.driver), 'type'),
      source: diskSource(node(disk.source)),
      readonly: disk.readonly !== undefined,
    })),
    nics: list(devices.interface).map((nic) => {
      const src = node(nic.source);
      return {
        mac: attr(node(nic.mac), 'address'),
        type: attr(nic, 'type') ?? 'network',
        source: attr(src, 'network') ?? attr(src, 'bridge') ?? attr(src, 'dev'),
        model: attr(node(nic.model), 'type'),
        linkUp: attr(node(nic.link), 'state') !== 'down',
      };
    }),
    graphics: list(devices.graphics).map((g) => {
      const portAttr = attr(g, 'port');
      const port = portAttr && portAttr !== '-1' ? Number(portAttr) : null;
      return {
        type: attr(g, 'type') ?? 'vnc',
        port,
        listen: attr(g, 'listen') ?? attr(node(g.listen), 'address'),
        socket: attr(g, 'socket') ?? attr(node(g.listen), 'socket'),
        hasPassword: attr(g, 'passwd') !== null,
      };
    }),
    serials: list(devices.serial).length,
    agentChannel: list(devices.channel).some((c) => attr(node(c.target), 'name') === AGENT),
    agentState: agentState(list(devices.channel)),
    cpuMode: attr(node(d.cpu), 'mode'),
    hangar: hangarMetadata(node(d.metadata)),
  };
}

export interface ConsoleEndpoints {
  /** Graphics devices with where they listen on the host and, from a SECURE XML, the password. */
  graphics: Array<DomainGraphics & { password: string | null }>;
  /** Serial and console devices by libvirt alias (live XML only: inactive XML has no aliases). */
  serials: Array<{ name: string; kind: 'serial' | 'console'; type: string }>;
}

/**
 * What the console bridge needs from a live domain XML fetched with VIR_DOMAIN_XML_SECURE. Kept
 * apart from parseDomainXml so a password can never end up in the inventory.
 */
export function parseConsoleEndpoints(xml: string): ConsoleEndpoints {
  const doc = parseDoc(xml);
  const devices = node(node(doc.domain).devices);
  const summary = parseDomainXml(xml).graphics;
  const serials: ConsoleEndpoints['serials'] = [];
  for (const kind of ['serial', 'console'] as const) {
    for (const d of list(devices[kind])) {
      const name = attr(node(d.alias), 'name');
      // libvirt gives a <console> that mirrors serial0 the same alias: one device, listed once.
      if (name && !serials.some((x) => x.name === name)) serials.push({ name, kind, type: attr(d, 'type') ?? 'pty' });
    }
  }
  return {
    graphics: list(devices.graphics).map((g, i) => ({ ...(summary[i] as DomainGraphics), password: attr(g, 'passwd') })),
    serials,
  };
}
