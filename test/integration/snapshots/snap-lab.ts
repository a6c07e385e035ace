import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../../engine/engine';
import { defineDomain, readLabInfo, readSerialLog, sshExec, sshRun, testGuestXml, typeOnSerial, waitFor, type LabHost, type LabInfo } from '../../lab/lab-info';

/**
 * The lab as the snapshot tests use it. lab.json may name the test guest's kernel and initrd in a
 * worktree that no longer exists; the same files are in the lab's cache, so those are used then.
 */
export function snapLab(): LabInfo {
  const lab = readLabInfo();
  const dir = path.join(lab.cacheDir, 'guest');
  const fix = (p: string) => (fs.existsSync(p) ? p : path.join(dir, path.basename(p)));
  return { ...lab, guest: { ...lab.guest, kernel: fix(lab.guest.kernel), initrd: fix(lab.guest.initrd), baseImage: fix(lab.guest.baseImage), iso: fix(lab.guest.iso) } };
}

export const snapName = (what: string) => `snap-${what}-${crypto.randomBytes(3).toString('hex')}`;
export const IMAGES = '/var/lib/libvirt/images';

/** A test guest with a small qcow2 (or raw) disk in the default pool, defined (not started) on the host. */
export async function defineSnapGuest(lab: LabInfo, host: LabHost, name: string, opts: { format?: 'qcow2' | 'raw'; agent?: boolean } = {}): Promise<string> {
  const format = opts.format ?? 'qcow2';
  const disk = `${IMAGES}/${name}.${format}`;
  await sshRun(host, `qemu-img create -q -f ${format} ${disk} 64M && virsh pool-refresh default >/dev/null`);
  let xml = testGuestXml({ name, lab, disk, network: null, memoryMiB: 128, ...(opts.agent === undefined ? {} : { agent: opts.agent }) });
  if (format === 'raw') xml = xml.replace("type='qcow2' cache='none'", "type='raw' cache='none'");
  await defineDomain(host, xml, { lab });
  return disk;
}

/** Removes a test guest and every file of its name in the default pool. */
export async function removeSnapGuest(host: LabHost, name: string): Promise<void> {
  await sshExec(host, `virsh destroy ${name} >/dev/null 2>&1; virsh undefine ${name} --snapshots-metadata >/dev/null 2>&1; rm -f ${IMAGES}/${name}*; virsh pool-refresh default >/dev/null 2>&1; true`);
}

export async function vmIdOf(engine: Engine, name: string, state?: string): Promise<string> {
  return (await waitFor(`${name} in the inventory${state ? ` (${state})` : ''}`, async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === name && (!state || v.state === state)), 30_000, 200)).id;
}

/** Waits for the guest's banner, then for its shell to answer on the serial console. */
export async function bootedShell(lab: LabInfo, host: LabHost, name: string): Promise<void> {
  await waitFor(`${name} banner`, async () => (await readSerialLog(host, name)).includes(lab.guest.banner), 90_000, 500);
  await guestSays(host, name, 'echo UP-$((20+22))', 'UP-42');
}

/**
 * Types a command on the serial console and waits for `expect` in the serial log after that point
 * (the command's own echo must not contain it: write arithmetic such as $((1+1)) in the command).
 */
export async function guestSays(host: LabHost, name: string, command: string, expect: string, timeoutMs = 30_000): Promise<void> {
  const before = (await readSerialLog(host, name)).length;
  await typeOnSerial(host, name, command);
  await waitFor(`"${expect}" from ${name}`, async () => (await readSerialLog(host, name)).slice(before).includes(expect), timeoutMs, 300);
}

/** The serial log from `from` on. */
export async function serialSince(host: LabHost, name: string, from: number): Promise<string> {
  return (await readSerialLog(host, name)).slice(from);
}
