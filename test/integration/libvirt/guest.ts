/**
 * A tiny test guest: the host's Debian kernel booted directly with a busybox initramfs whose init
 * prints a banner and runs a shell on the serial console. It reaches its shell in about 5 s under
 * TCG. Built from installed Debian packages (linux-image, busybox-static) and cached across runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync, copyFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GUEST_BANNER = 'HANGAR-GUEST-READY';

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo ${GUEST_BANNER}
while :; do setsid cttyhack sh; done
`;

export interface GuestImage {
  kernel: string;
  initrd: string;
}

/** Why the guest cannot be built here, or null. */
export function guestUnavailableReason(): string | null {
  if (!findKernel()) return 'no /boot/vmlinuz-* (install linux-image-amd64)';
  if (!existsSync('/bin/busybox')) return 'no static busybox (install busybox-static)';
  if (spawnSync('sh', ['-c', 'command -v cpio']).status !== 0) return 'cpio is not installed';
  return null;
}

function findKernel(): string | null {
  const k = readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).sort().pop();
  return k ? join('/boot', k) : null;
}

export function buildGuestImage(cacheDir = join(tmpdir(), 'hangar-libvirt-cache', 'guest')): GuestImage {
  const kernel = findKernel();
  if (!kernel) throw new Error('no kernel in /boot');
  const initrd = join(cacheDir, 'initramfs.cpio.gz');
  if (existsSync(initrd)) return { kernel, initrd };
  const root = join(cacheDir, 'root');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  writeFileSync(join(root, 'init'), INIT, { mode: 0o755 });
  const tmp = `${initrd}.tmp`;
  const r = spawnSync('sh', ['-c', `cd '${root}' && find . | cpio -o -H newc --quiet | gzip -1 > '${tmp}'`]);
  if (r.status !== 0) throw new Error(`building initramfs failed: ${r.stderr.toString()}`);
  renameSync(tmp, initrd);
  return { kernel, initrd };
}

/**
 * opts.disk: an image attached as vdb, so block stats, block jobs and (qcow2) snapshots have a
 * target.
 */
export function guestXml(
  name: string,
  img: GuestImage,
  opts: { kvm: boolean; uuid?: string; disk?: string; diskFormat?: 'raw' | 'qcow2' },
): string {
  const disk = opts.disk
    ? `\n    <disk type='file' device='disk'><driver name='qemu' type='${opts.diskFormat ?? 'raw'}'/><source file='${opts.disk}'/><target dev='vdb' bus='virtio'/></disk>`
    : '';
  return `<domain type='${opts.kvm ? 'kvm' : 'qemu'}'>
  <name>${name}</name>${opts.uuid ? `\n  <uuid>${opts.uuid}</uuid>` : ''}
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${img.kernel}</kernel>
    <initrd>${img.initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <devices>${disk}
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>`;
}
