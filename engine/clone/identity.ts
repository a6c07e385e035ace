import crypto from 'node:crypto';

/** A MAC address in QEMU's locally administered range (52:54:00), as libvirt itself picks them. */
export function newMac(): string {
  const b = crypto.randomBytes(3);
  return ['52', '54', '00', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** The clone's volume names: its first disk is named as a new VM's is, so both look alike in a pool. */
export const cloneDiskName = (clone: string, index: number): string => `${clone}-disk${index}.qcow2`;
export const cloneSeedName = (clone: string): string => `${clone}-seed.iso`;

/** A cloud-init seed Hangar made: the source's is replaced, never shared (it carries the instance-id). */
export const isSeedPath = (path: string): boolean => /-seed\.iso$/.test(path);

/** The NVRAM file of the clone, beside its source's (libvirt's own naming: `<name>_VARS.fd`). */
export function cloneNvramPath(sourcePath: string, clone: string): string {
  return `${sourcePath.slice(0, sourcePath.lastIndexOf('/') + 1)}${clone}_VARS.fd`;
}
