import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { CreateSnapshotParams, SnapshotDiskSupport, SnapshotIndication } from '../contract/snapshots';
import type { Vm } from '../contract/vms';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { SnapshotCreateFlag, SnapshotDeleteFlag, type LibvirtConnection } from '../libvirt';
import { buildSnapshotXml, type SnapshotDisk } from '../xml/snapshot';
import type { DomainDisk } from '../xml/domain-read';
import { withDeadline } from './deadline';
import { overlayPath } from './disk-support';
import { describeWithMark } from './marker';

type Params = z.output<typeof CreateSnapshotParams>;
type Support = z.infer<typeof SnapshotDiskSupport>;

const refuse = (message: string, key: string, args: Record<string, string | number> = {}) => new HangarError('CONFLICT', message, { message: { key, args } });

export const isRunning = (vm: Vm): boolean => vm.state === 'running' || vm.state === 'paused';

/** Everything refused before a job starts, each with words a person can act on. */
export function checkCreate(p: Params, vm: Vm, disks: readonly Support[], existing: readonly string[], max: number): void {
  const running = isRunning(vm);
  if (p.memory && !running) throw refuse(`${vm.name} is stopped: a snapshot with memory needs a running VM`, 'snap.err.memoryStopped', { name: vm.name });
  if (p.memory && p.external) throw new HangarError('INVALID_PARAMS', 'External snapshots are disk-only', { message: { key: 'snap.err.externalMemory' } });
  if (running && !p.memory && !p.external) throw refuse(`libvirt keeps an internal snapshot of a running VM only with its memory: include memory or choose external`, 'snap.err.runningInternalDiskOnly');
  const bad = disks.find((d) => !d.supported);
  if (bad) throw refuse(`The disk ${bad.target} (${bad.source}) is ${bad.reason === 'raw' ? 'a raw image' : bad.reason === 'block' ? 'a block device' : 'on network storage'}: it cannot be snapshotted`, `snap.err.disk.${bad.reason}`, { target: bad.target });
  if (!disks.some((d) => d.supported && d.reason === null)) throw refuse(`${vm.name} has no qcow2 disk to hold a snapshot`, 'snap.err.noDisk', { name: vm.name });
  if (existing.includes(p.name)) throw refuse(`${vm.name} already has a snapshot named ${p.name}`, 'snap.err.nameTaken', { name: p.name });
  if (existing.length >= max) throw refuse(`${vm.name} has ${existing.length} snapshots, the most allowed (Settings)`, 'snap.err.max', { count: existing.length, max });
}

/** libvirt answers these when it cannot reach a guest agent to freeze file systems. */
const agentMissing = (err: unknown): boolean => /agent/i.test(HangarError.from(err).message);

export function createSnapshotJob(
  p: Params,
  vm: Vm,
  disks: { support: readonly Support[]; all: readonly DomainDisk[] },
  deps: { conn: () => LibvirtConnection; deadlineMs: number; poolRefresh: (paths: string[]) => Promise<void> },
): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = { kind: 'vm.snapshotCreate', title: { key: 'job.vm.snapshotCreate', args: { name: vm.name, snapshot: p.name } }, target: { kind: 'vm', id: vm.id }, hostId: vm.hostId, cancellable: false };
  const running = isRunning(vm);
  const writable = new Set(disks.support.filter((d) => d.reason === null).map((d) => d.target));
  const diskXml: SnapshotDisk[] = disks.all
    .filter((d) => d.target)
    .map((d) => (writable.has(d.target) ? { target: d.target, snapshot: p.external ? 'external' : 'internal', file: p.external ? overlayPath(d.source!, vm.name, d.target, p.name) : null } : { target: d.target, snapshot: 'no', file: null }));
  const handler: JobHandler = async (ctx) => {
    const c = deps.conn();
    const dom = await c.domainLookupByUuid(vm.uuid);
    const quiesce = running && p.external && p.quiesce;
    const indications: SnapshotIndication[] = running ? ['Online'] : [];
    const attempt = (withQuiesce: boolean, marks: SnapshotIndication[]) => {
      const xml = buildSnapshotXml({
        name: p.name,
        description: describeWithMark(p.description, { quiesced: running && p.external ? withQuiesce : null, indications: marks }),
        memory: running && p.memory ? 'internal' : 'no',
        memoryFile: null,
        disks: diskXml,
      });
      const flags = (p.external ? SnapshotCreateFlag.DISK_ONLY | SnapshotCreateFlag.ATOMIC : 0) | (withQuiesce ? SnapshotCreateFlag.QUIESCE : 0);
      return withDeadline(
        c.snapshotCreateXml(dom, xml, flags),
        deps.deadlineMs,
        async () => {
          await c.domainAbortJob(dom).catch(() => undefined);
          if (withQuiesce) await c.domainFsThaw(dom).catch(() => undefined);
        },
        // Finished after all: the person was told it failed, so it goes (with what it wrote).
        async (snap) => void (await c.snapshotDelete(snap, 0).catch(() => c.snapshotDelete(snap, SnapshotDeleteFlag.METADATA_ONLY).catch(() => undefined))),
      );
    };
    ctx.progress(0.1, { key: quiesce ? 'job.vm.snapshotCreate.quiesced' : p.memory ? 'job.vm.snapshotCreate.memory' : 'job.vm.snapshotCreate.disks' });
    let quiesced: boolean | null = running && p.external ? quiesce : null;
    try {
      await attempt(quiesce, indications);
    } catch (err) {
      if (!quiesce || !agentMissing(err)) throw err;
      // No agent to freeze the file systems: a crash-consistent copy, said so (OpenShift's NoGuestAgent).
      ctx.progress(0.5, { key: 'job.vm.snapshotCreate.noAgent' });
      indications.push('NoGuestAgent');
      quiesced = false;
      await attempt(false, indications);
    }
    if (p.external) await deps.poolRefresh(diskXml.filter((d) => d.file).map((d) => d.file!)).catch(() => undefined);
    return { name: p.name, quiesced, indications };
  };
  return { spec, handler };
}
