import type { Message } from '../contract/message';
import { english as placementEnglish } from '../placement/english';

/**
 * The English of the migration's reasons, for error messages (logs, the CLI, tests); the UI says
 * the Message in the user's language (renderer i18n, same keys). Placement's reasons are its own.
 */
const EN: Record<string, string> = {
  'migration.block.hostDevice': 'the VM passes through host devices ({devices}), so it cannot leave its host',
  'migration.block.localDisk': 'disk {disk} ({path}) is on storage only its host sees: migrate with storage copy',
  'migration.block.notVolume': 'disk {disk} ({path}) is not a volume of a storage pool, so it cannot be copied',
  'migration.why.unchecked': 'could not check {host}: {error}',
  'migration.why.uuidActive': '{host} already runs this VM',
  'migration.why.nameActive': '{host} already runs a VM named {name}',
  'migration.why.missing.disk': '{host} does not see disk {disk} ({path})',
  'migration.why.missing.cdrom': '{host} does not have the CD-ROM image {path} ({disk})',
  'migration.why.missing.kernel': '{host} does not have the kernel {path}',
  'migration.why.missing.initrd': '{host} does not have the initrd {path}',
  'migration.why.missing.nvram': '{host} does not have the VM\'s NVRAM file {path}',
  'migration.why.missing.loader': '{host} does not have the firmware {path}',
  'migration.why.missing.seed': '{host} does not have Hangar\'s cloud-init seed {path}',
  'migration.why.noNetwork': '{host} has no network {network}',
  'migration.why.networkInactive': 'the network {network} on {host} is not running',
  'migration.why.noPool': '{host} has no storage pool {pool} for disk {disk}',
  'migration.why.poolInactive': 'the storage pool {pool} on {host} is not running',
  'migration.why.volumeExists': 'the storage pool {pool} on {host} already has a volume {volume}',
  'migration.why.poolSpace': 'the storage pool {pool} on {host} has {freeGiB} GiB free, the disks need {needGiB} GiB',
  'migration.why.cpu': '{host} has another CPU ({model}) than the one this VM runs with ({vmModel})',
  'migration.why.cpuIncompatible': "{host} cannot run this VM's CPU as it runs now",
  'migration.err.sameHost': '{name} is on that host already.',
  'migration.err.blocked': '{name} cannot move:',
  'migration.err.noTarget': 'No host can take {name}. Each host and why:',
  'migration.err.completionTimeout': 'The migration of {name} did not complete within {seconds} s and was aborted; the VM keeps running on its host.',
  'migration.err.progressTimeout': 'The migration of {name} made no progress for {seconds} s and was aborted; the VM keeps running on its host.',
  'migration.err.targetLost': 'The migration of {name} was aborted: the connection to the target host was lost; the VM keeps running on its host.',
  'migration.err.failed': 'The migration of {name} failed: {error}',
  'migration.err.needsCopy': '{name} has disks only its host sees: move it with storage copy.',
  'migration.err.checksum': 'The copy of disk {disk} on the target host does not match the source.',
};

export function english(msg: Message): string {
  const text = EN[msg.key];
  if (!text) return placementEnglish(msg);
  return text.replace(/\{(\w+)\}/g, (all, k: string) => (msg.args && k in msg.args ? String(msg.args[k]) : all));
}
