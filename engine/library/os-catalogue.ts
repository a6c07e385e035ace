import type { OsEntry } from '../contract/library';
import type { OsProfile } from '../contract/vms';

/**
 * The OS types Hangar knows (seed 002 L86–98, L772–794): each decides a new VM's device defaults
 * (virtio for paravirtual guests; SATA and e1000 for Windows and unknown guests, whose installers
 * carry no virtio drivers), firmware and minimum sizes, and the libosinfo id recorded in the
 * domain so virt-manager and virt-install recognise it. "other" is the fallback (002 L88).
 */
const linux = (id: string, label: string, libosinfo: string, minMemoryMiB = 1024, minDiskGiB = 10): OsEntry => ({
  id, label, family: 'linux', libosinfo, diskBus: 'virtio', nicModel: 'virtio', cdBus: 'sata', firmware: 'bios', minVcpus: 1, minMemoryMiB, minDiskGiB,
});
const windows = (id: string, label: string, libosinfo: string, firmware: 'bios' | 'uefi', minMemoryMiB: number, minDiskGiB: number): OsEntry => ({
  id, label, family: 'windows', libosinfo, diskBus: 'sata', nicModel: 'e1000', cdBus: 'sata', firmware, minVcpus: 2, minMemoryMiB, minDiskGiB,
});

export const OS_CATALOGUE: readonly OsEntry[] = [
  linux('debian12', 'Debian 12', 'http://debian.org/debian/12'),
  linux('ubuntu22.04', 'Ubuntu 22.04 LTS', 'http://ubuntu.com/ubuntu/22.04'),
  linux('ubuntu24.04', 'Ubuntu 24.04 LTS', 'http://ubuntu.com/ubuntu/24.04'),
  linux('centos-stream9', 'CentOS Stream 9', 'http://centos.org/centos-stream/9', 1536),
  linux('rhel9', 'Red Hat Enterprise Linux 9', 'http://redhat.com/rhel/9.0', 1536),
  linux('fedora41', 'Fedora 41', 'http://fedoraproject.org/fedora/41', 2048, 20),
  windows('win10', 'Windows 10', 'http://microsoft.com/win/10', 'bios', 2048, 32),
  windows('win11', 'Windows 11', 'http://microsoft.com/win/11', 'uefi', 4096, 64),
  windows('win2k19', 'Windows Server 2019', 'http://microsoft.com/win/2k19', 'bios', 2048, 32),
  windows('win2k22', 'Windows Server 2022', 'http://microsoft.com/win/2k22', 'uefi', 2048, 32),
  linux('linux', 'Generic Linux', 'http://libosinfo.org/linux/2022', 256, 1),
  { id: 'other', label: 'Other', family: 'other', libosinfo: 'http://libosinfo.org/unknown', diskBus: 'sata', nicModel: 'e1000', cdBus: 'sata', firmware: 'bios', minVcpus: 1, minMemoryMiB: 256, minDiskGiB: 1 },
];

const BY_ID = new Map(OS_CATALOGUE.map((o) => [o.id, o]));

/** The entry of an id; "windows" names the newest Windows desktop, an unknown id is "other". */
export function osEntry(id: string | null | undefined): OsEntry {
  if (id === 'windows') return BY_ID.get('win11')!;
  return (id && BY_ID.get(id)) || BY_ID.get('other')!;
}

export const isKnownOs = (id: string): boolean => id === 'windows' || BY_ID.has(id);

/** The coarse profile older parts of Hangar keep in its metadata (linux, windows, legacy). */
export const profileOf = (o: OsEntry): OsProfile => (o.family === 'linux' ? 'linux' : o.family === 'windows' ? 'windows' : 'legacy');
