import type { OsProfile } from '../contract/vms';
import { HANGAR_METADATA_NS } from '../inventory/domain-xml';

export interface NewDomain {
  name: string;
  uuid: string;
  domainType: 'kvm' | 'qemu';
  osProfile: OsProfile;
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

/** Every string that lands in XML goes through here. */
export const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** A CD-ROM drive, with media (an ISO path) or empty: for new VMs and for insert/eject alike. */
export function cdromXml(path: string | null, target: string, bus: string, indent = ''): string {
  return [
    `${indent}<disk type='file' device='cdrom'>`,
    `${indent}  <driver name='qemu' type='raw'/>`,
    ...(path ? [`${indent}  <source file='${xmlEscape(path)}'/>`] : []),
    `${indent}  <target dev='${xmlEscape(target)}' bus='${xmlEscape(bus)}'/>`,
    `${indent}  <readonly/>`,
    `${indent}</disk>`,
  ].join('\n');
}

const DEVICES: Record<OsProfile, { diskBus: string; nicModel: string; cdBus: string; machine: string }> = {
  linux: { diskBus: 'virtio', nicModel: 'virtio', cdBus: 'sata', machine: 'q35' },
  windows: { diskBus: 'sata', nicModel: 'e1000e', cdBus: 'sata', machine: 'q35' },
  legacy: { diskBus: 'ide', nicModel: 'e1000', cdBus: 'ide', machine: 'pc' },
};

/** Domain XML for a new VM: devices follow the OS profile; Hangar's metadata records its origin. */
export function buildDomainXml(d: NewDomain): string {
  const dev = DEVICES[d.osProfile];
  const cdTarget = dev.cdBus === 'ide' ? 'hdc' : 'sdb';
  const seedTarget = dev.cdBus === 'ide' ? 'hdd' : 'sdc';
  const diskTarget = dev.diskBus === 'virtio' ? 'vda' : dev.diskBus === 'ide' ? 'hda' : 'sda';
  const labels = Object.entries(d.labels)
    .map(([k, v]) => `<h:label key="${xmlEscape(k)}">${xmlEscape(v)}</h:label>`)
    .join('');
  return `<domain type='${d.domainType}'>
  <name>${xmlEscape(d.name)}</name>
  <uuid>${d.uuid}</uuid>
${d.description ? `  <description>${xmlEscape(d.description)}</description>\n` : ''}  <metadata>
    <h:vm xmlns:h="${HANGAR_METADATA_NS}"><h:labels>${labels}</h:labels>${d.group ? `<h:group>${xmlEscape(d.group)}</h:group>` : ''}<h:os>${d.osProfile}</h:os><h:origin>${xmlEscape(d.origin)}</h:origin><h:created-by>${xmlEscape(d.createdBy)}</h:created-by><h:created-at>${d.createdAt}</h:created-at></h:vm>
  </metadata>
  <memory unit='MiB'>${d.memoryMiB}</memory>
  <currentMemory unit='MiB'>${d.memoryMiB}</currentMemory>
  <vcpu placement='static'>${d.vcpus}</vcpu>
  <os${d.firmware === 'uefi' ? " firmware='efi'" : ''}>
    <type arch='x86_64' machine='${dev.machine}'>hvm</type>
${d.cdrom ? "    <boot dev='cdrom'/>\n" : ''}    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/></features>
  <cpu mode='${d.domainType === 'kvm' ? 'host-passthrough' : 'custom'}'${d.domainType === 'kvm' ? '' : " match='exact'"}>${d.domainType === 'kvm' ? '' : '<model>qemu64</model>'}</cpu>
  <clock offset='${d.osProfile === 'windows' ? 'localtime' : 'utc'}'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${d.disk ? `    <disk type='file' device='disk'>
      <driver name='qemu' type='${xmlEscape(d.disk.format)}'/>
      <source file='${xmlEscape(d.disk.path)}'/>
      <target dev='${diskTarget}' bus='${dev.diskBus}'/>
    </disk>
` : ''}${d.cdrom ? `${cdromXml(d.cdrom, cdTarget, dev.cdBus, '    ')}\n` : ''}${d.seedIso ? `${cdromXml(d.seedIso, seedTarget, dev.cdBus, '    ')}\n` : ''}${d.userNetwork ? `    <interface type='user'>
      <model type='${dev.nicModel}'/>
    </interface>
` : d.network ? `    <interface type='network'>
      <source network='${xmlEscape(d.network)}'/>
      <model type='${dev.nicModel}'/>
    </interface>
` : ''}    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='${d.osProfile === 'linux' ? 'virtio' : 'vga'}'/></video>
    <memballoon model='virtio'/>
  </devices>
</domain>`;
}
