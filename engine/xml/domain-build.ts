import type { OsProfile } from '../contract/vms';
import { el, renderXml, type XmlEl } from './build';
import { hangarMetadataEl, libosinfoMetadataEl } from './metadata';

export interface NewDomain {
  name: string;
  uuid: string;
  domainType: 'kvm' | 'qemu';
  osProfile: OsProfile;
  /**
   * The OS catalogue's device defaults and libosinfo id (engine/library/os-catalogue.ts): when
   * given they decide the buses and NIC model instead of the coarse profile, and the id is
   * recorded in libosinfo's metadata namespace.
   */
  os?: { libosinfo: string; diskBus: string; nicModel: string; cdBus: string } | undefined;
  vcpus: number;
  memoryMiB: number;
  firmware: 'bios' | 'uefi';
  /** Path of the main disk (qcow2 or raw), if any. */
  disk: { path: string; format: string } | null;
  /** Path of an ISO to boot from first. */
  cdrom: string | null;
  /** Path of a cloud-init seed ISO (a second CD-ROM, not booted). */
  seedIso?: string | null;
  network: string | null;
  /** QEMU's user-mode networking instead of a libvirt network (see nic-choice.ts). */
  userNetwork?: boolean;
  description?: string | undefined;
  labels: Record<string, string>;
  group?: string | undefined;
  origin: string;
  createdBy: string;
  createdAt: string;
}

/** A `<disk>` device: attach, detach (device, source and target are what libvirt matches on) or a new VM's. */
export interface DiskDevice {
  /** disk, cdrom, floppy or lun; disk when absent. */
  device?: string;
  /** The file; null for an empty CD-ROM drive. */
  path: string | null;
  /** The image format for QEMU's driver; no `<driver>` when absent. */
  format?: string | null;
  target: string;
  bus?: string | null;
  readonly?: boolean;
}

function diskEl(d: DiskDevice): XmlEl {
  return el(
    'disk',
    { type: 'file', device: d.device ?? 'disk' },
    d.format ? el('driver', { name: 'qemu', type: d.format }) : null,
    d.path !== null ? el('source', { file: d.path }) : null,
    el('target', { dev: d.target, bus: d.bus }),
    d.readonly ? el('readonly') : null,
  );
}

export const diskDeviceXml = (d: DiskDevice): string => renderXml(diskEl(d), { pretty: false });

const cdromEl = (path: string | null, target: string, bus: string): XmlEl => diskEl({ device: 'cdrom', path, format: 'raw', target, bus, readonly: true });

/** A CD-ROM drive, with media (an ISO path) or empty: for new VMs and for insert/eject alike. */
export const cdromXml = (path: string | null, target: string, bus: string): string => renderXml(cdromEl(path, target, bus), { pretty: false });

/** An `<interface>` device: attach, update (link state) or detach (type and MAC are what libvirt matches on). */
export interface NicDevice {
  type: string;
  mac?: string | null;
  /** The network, or the bridge for a bridge interface; no `<source>` when absent. */
  source?: string | null;
  model?: string | null;
  /** The link state; no `<link>` (libvirt's default, up) when absent. */
  linkUp?: boolean;
}

function nicEl(n: NicDevice): XmlEl {
  return el(
    'interface',
    { type: n.type },
    n.mac ? el('mac', { address: n.mac }) : null,
    n.source !== undefined && n.source !== null ? el('source', n.type === 'bridge' ? { bridge: n.source } : { network: n.source }) : null,
    n.model ? el('model', { type: n.model }) : null,
    n.linkUp !== undefined ? el('link', { state: n.linkUp ? 'up' : 'down' }) : null,
  );
}

export const nicDeviceXml = (n: NicDevice): string => renderXml(nicEl(n), { pretty: false });

const DEVICES: Record<OsProfile, { diskBus: string; nicModel: string; cdBus: string; machine: string }> = {
  linux: { diskBus: 'virtio', nicModel: 'virtio', cdBus: 'sata', machine: 'q35' },
  windows: { diskBus: 'sata', nicModel: 'e1000e', cdBus: 'sata', machine: 'q35' },
  legacy: { diskBus: 'ide', nicModel: 'e1000', cdBus: 'ide', machine: 'pc' },
};

/** The element tree of a new VM's domain: devices follow the OS profile; Hangar's metadata records its origin. */
function newDomainEl(d: NewDomain): XmlEl {
  const dev = d.os ? { ...d.os, machine: d.os.diskBus === 'ide' || d.os.cdBus === 'ide' ? 'pc' : 'q35' } : DEVICES[d.osProfile];
  const cdTarget = dev.cdBus === 'ide' ? 'hdc' : 'sdb';
  const seedTarget = dev.cdBus === 'ide' ? 'hdd' : 'sdc';
  const diskTarget = dev.diskBus === 'virtio' ? 'vda' : dev.diskBus === 'ide' ? 'hda' : 'sda';
  const kvm = d.domainType === 'kvm';
  return el(
    'domain',
    { type: d.domainType },
    el('name', {}, d.name),
    el('uuid', {}, d.uuid),
    d.description ? el('description', {}, d.description) : null,
    el(
      'metadata',
      {},
      hangarMetadataEl({ labels: d.labels, group: d.group ?? null, os: d.osProfile, origin: d.origin, createdBy: d.createdBy, createdAt: d.createdAt }),
      d.os ? libosinfoMetadataEl(d.os.libosinfo) : null,
    ),
    el('memory', { unit: 'MiB' }, String(d.memoryMiB)),
    el('currentMemory', { unit: 'MiB' }, String(d.memoryMiB)),
    el('vcpu', { placement: 'static' }, String(d.vcpus)),
    el(
      'os',
      { firmware: d.firmware === 'uefi' ? 'efi' : null },
      el('type', { arch: 'x86_64', machine: dev.machine }, 'hvm'),
      d.cdrom ? el('boot', { dev: 'cdrom' }) : null,
      el('boot', { dev: 'hd' }),
    ),
    el('features', {}, el('acpi'), el('apic')),
    kvm ? el('cpu', { mode: 'host-passthrough' }) : el('cpu', { mode: 'custom', match: 'exact' }, el('model', {}, 'qemu64')),
    el('clock', { offset: d.osProfile === 'windows' ? 'localtime' : 'utc' }),
    el('on_poweroff', {}, 'destroy'),
    el('on_reboot', {}, 'restart'),
    el('on_crash', {}, 'destroy'),
    el(
      'devices',
      {},
      d.disk ? diskEl({ path: d.disk.path, format: d.disk.format, target: diskTarget, bus: dev.diskBus }) : null,
      d.cdrom ? cdromEl(d.cdrom, cdTarget, dev.cdBus) : null,
      d.seedIso ? cdromEl(d.seedIso, seedTarget, dev.cdBus) : null,
      d.userNetwork ? nicEl({ type: 'user', model: dev.nicModel }) : d.network ? nicEl({ type: 'network', source: d.network, model: dev.nicModel }) : null,
      el('serial', { type: 'pty' }, el('target', { port: 0 })),
      el('console', { type: 'pty' }, el('target', { type: 'serial', port: 0 })),
      el('channel', { type: 'unix' }, el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })),
      el('input', { type: 'tablet', bus: 'usb' }),
      el('graphics', { type: 'vnc', port: -1, autoport: 'yes', listen: '127.0.0.1' }),
      el('video', {}, el('model', { type: d.osProfile === 'linux' ? 'virtio' : 'vga' })),
      el('memballoon', { model: 'virtio' }),
    ),
  );
}

/** Domain XML for a new VM. */
export const buildDomainXml = (d: NewDomain): string => renderXml(newDomainEl(d));
