import { HangarError } from '../contract/errors';
import type { Snapshot } from '../contract/snapshots';
import type { Vm } from '../contract/vms';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { SnapshotRevertFlag, type LibvirtConnection } from '../libvirt';
import { isRunning } from './create-snapshot';

/** libvirt reverts external snapshots from 9.7.0 on (9.0 answers "not supported yet"). */
export const EXTERNAL_REVERT_VERSION = 9_007_000;

export function checkRevert(vm: Vm, snap: Snapshot, libVersion: number): void {
  if (snap.kind === 'external' && libVersion < EXTERNAL_REVERT_VERSION) {
    const v = `${Math.floor(libVersion / 1_000_000)}.${Math.floor(libVersion / 1000) % 1000}`;
    throw new HangarError('UNSUPPORTED', `${snap.name} is an external snapshot: libvirt ${v} on this host cannot revert to it (9.7 and later can)`, { message: { key: 'snap.err.externalRevert', args: { name: snap.name, version: v } } });
  }
}

/**
 * Reverts the VM to the snapshot. A VM that runs keeps running: libvirt restores a memory
 * snapshot's RAM and resumes it, and boots from a disk-only one; a paused VM stays paused; a
 * stopped VM stays stopped unless the snapshot holds memory, which it must resume to mean anything.
 * (libvirt 9.0 restarts QEMU for a running-to-running revert: most of its time.)
 */
export function revertSnapshotJob(vm: Vm, snap: Snapshot, conn: () => LibvirtConnection): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = { kind: 'vm.snapshotRevert', title: { key: 'job.vm.snapshotRevert', args: { name: vm.name, snapshot: snap.name } }, target: { kind: 'vm', id: vm.id }, hostId: vm.hostId, cancellable: false };
  const handler: JobHandler = async (ctx) => {
    const c = conn();
    const dom = await c.domainLookupByUuid(vm.uuid);
    ctx.progress(0.2, { key: 'job.vm.snapshotRevert.step' });
    const flags = vm.state === 'paused' ? SnapshotRevertFlag.PAUSED : isRunning(vm) || snap.memory ? SnapshotRevertFlag.RUNNING : 0;
    await c.snapshotRevert(await c.snapshotLookupByName(dom, snap.name), flags);
    return { name: snap.name };
  };
  return { spec, handler };
}
