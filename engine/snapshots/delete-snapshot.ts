import type { Snapshot } from '../contract/snapshots';
import type { Vm } from '../contract/vms';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { SnapshotDeleteFlag, type LibvirtConnection } from '../libvirt';
import { subtree } from './tree';

const POLL_MS = 300;

/**
 * Deletes one snapshot (libvirt moves its children to its parent) or its subtree. An external
 * snapshot is merged back by libvirt with a block commit of each overlay: while it runs, the
 * block job's position is the job's progress, and the overlay files are gone afterwards.
 */
export function deleteSnapshotJob(
  vm: Vm,
  list: readonly Snapshot[],
  name: string,
  withChildren: boolean,
  deps: { conn: () => LibvirtConnection; poolRefresh: (paths: string[]) => Promise<void> },
): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = { kind: 'vm.snapshotDelete', title: { key: withChildren ? 'job.vm.snapshotDeleteTree' : 'job.vm.snapshotDelete', args: { name: vm.name, snapshot: name } }, target: { kind: 'vm', id: vm.id }, hostId: vm.hostId, cancellable: false };
  const names = withChildren ? subtree(list, name) : [name];
  const gone = list.filter((s) => names.includes(s.name));
  const overlays = gone.flatMap((s) => s.disks.filter((d) => d.location === 'external' && d.file).map((d) => ({ target: d.target, file: d.file! })));
  const handler: JobHandler = async (ctx) => {
    const c = deps.conn();
    const dom = await c.domainLookupByUuid(vm.uuid);
    ctx.progress(0.05, { key: overlays.length ? 'job.vm.snapshotDelete.commit' : 'job.vm.snapshotDelete.step' });
    let polling = overlays.length > 0;
    const targets = [...new Set(overlays.map((o) => o.target))];
    const watch = (async () => {
      while (polling) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        for (const t of targets) {
          const info = await c.domainGetBlockJobInfo(dom, t).catch(() => null);
          if (polling && info && info.found > 0 && info.end > 0) ctx.progress(Math.min(0.95, 0.05 + (0.9 * info.cur) / info.end), { key: 'job.vm.snapshotDelete.commit', args: { disk: t, percent: Math.round((100 * info.cur) / info.end) } });
        }
      }
    })();
    try {
      await c.snapshotDelete(await c.snapshotLookupByName(dom, name), withChildren ? SnapshotDeleteFlag.CHILDREN : 0);
    } finally {
      polling = false;
      await watch;
    }
    if (overlays.length) await deps.poolRefresh(overlays.map((o) => o.file)).catch(() => undefined);
    return { name, deleted: names };
  };
  return { spec, handler };
}
