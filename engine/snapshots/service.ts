import path from 'node:path';
import { HangarError } from '../contract/errors';
import type { Settings } from '../contract/settings';
import type { z } from 'zod';
import type { CreateSnapshotParams, SnapshotList } from '../contract/snapshots';
import type { Vm } from '../contract/vms';
import type { FleetLinks } from '../hosts/fleet';
import type { VmInventory } from '../inventory/vm-inventory';
import type { JobRunner, JobHandler } from '../jobs/job-runner';
import { DomainXmlFlag, type LibvirtConnection } from '../libvirt';
import type { Service } from '../rpc/service';
import { parseDomainXml } from '../xml/domain-read';
import { poolTargetPath } from '../xml/pool';
import { refuseIfLinkedClones } from '../clone/linked-users';
import { checkCreate, createSnapshotJob } from './create-snapshot';
import { subtree } from './tree';
import { deleteSnapshotJob } from './delete-snapshot';
import { diskSupport } from './disk-support';
import { readSnapshots, type HostShell } from './read-snapshots';
import { checkRevert, EXTERNAL_REVERT_VERSION, revertSnapshotJob } from './revert-snapshot';

/** Refreshes the pools whose directory holds these files, so volume lists see overlays come and go. */
async function refreshPoolsOf(conn: LibvirtConnection, files: string[]): Promise<void> {
  const dirs = new Set(files.map((f) => path.posix.dirname(f)));
  for (const pool of await conn.listAllStoragePools(0)) {
    const target = poolTargetPath(await conn.storagePoolGetXmlDesc(pool, 0).catch(() => ''));
    if (target && dirs.has(target.replace(/\/+$/, ''))) await conn.storagePoolRefresh(pool).catch(() => undefined);
  }
}

/** VM snapshots (issue 16): the tree, create, revert and delete, each a job under the VM's lock. */
export function snapshotsService(deps: {
  fleet: Pick<FleetLinks, 'libvirt' | 'ssh'>;
  inventory: Pick<VmInventory, 'get' | 'refresh'>;
  jobs: Pick<JobRunner, 'start'>;
  settings: () => Settings;
}): Service & { prepareCreate(p: z.output<typeof CreateSnapshotParams>): Promise<{ spec: Parameters<JobRunner['start']>[0]; handler: JobHandler }> } {
  const { fleet, inventory, jobs } = deps;
  const vmOf = (id: string): Vm => {
    const vm = inventory.get(id);
    if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
    return vm;
  };
  const shellOf = (hostId: string): HostShell => {
    const ssh = fleet.ssh(hostId);
    return ssh ? async (argv) => (await ssh.exec(argv, { timeoutMs: 15_000 })).stdout : null;
  };
  /** Everything a decision needs, read afresh: the persistent disks, the snapshots, the host's libvirt. */
  const look = async (vm: Vm) => {
    const conn = fleet.libvirt(vm.hostId);
    const dom = await conn.domainLookupByUuid(vm.uuid);
    const disks = parseDomainXml(await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE)).disks;
    const support = diskSupport(disks);
    const images = support.filter((d) => d.supported && d.source).map((d) => d.source!);
    const snaps = await readSnapshots(conn, dom, images, shellOf(vm.hostId));
    return { conn, dom, disks, support, snaps, libVersion: await conn.getLibVersion() };
  };
  /** The job refreshes the VM in the inventory before it ends, so the page shows the new state with the result. */
  const run = (vm: Vm, job: { spec: Parameters<JobRunner['start']>[0]; handler: JobHandler }) =>
    jobs.start(job.spec, async (ctx) => {
      try {
        return await job.handler(ctx);
      } finally {
        await inventory.refresh(vm.hostId, vm.uuid).catch(() => undefined);
      }
    });

  /** A create checked and ready to run: as its own job, or as a child of another (a clone from a new snapshot). */
  const prepareCreate = async (p: z.output<typeof CreateSnapshotParams>) => {
    const vm = vmOf(p.vmId);
    const { disks, support, snaps } = await look(vm);
    checkCreate(p, vm, support, snaps.list.map((s) => s.name), deps.settings().snapshotMaxPerVm);
    return createSnapshotJob(p, vm, { support, all: disks }, {
      conn: () => fleet.libvirt(vm.hostId),
      deadlineMs: deps.settings().snapshotDeadlineSec * 1000,
      poolRefresh: (files) => refreshPoolsOf(fleet.libvirt(vm.hostId), files),
    });
  };

  return {
    name: 'snapshots',
    prepareCreate,
    handlers: {
      'snapshots.list': async (p): Promise<SnapshotList> => {
        const vm = vmOf(p.vmId);
        const { support, snaps, libVersion } = await look(vm);
        // The condition follows the newest snapshot Hangar took of the running VM: a later quiesced one clears it.
        const last = snaps.list.filter((s) => s.byHangar && s.indications.includes('Online')).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
        return {
          vmId: vm.id,
          snapshots: snaps.list,
          current: snaps.current,
          max: deps.settings().snapshotMaxPerVm,
          externalRevert: libVersion >= EXTERNAL_REVERT_VERSION,
          disks: support,
          conditions: last?.indications.includes('NoGuestAgent') ? [{ type: 'NoGuestAgent' as const, snapshot: last.name, at: last.createdAt ?? 0 }] : [],
        };
      },
      'snapshots.create': async (p) => run(vmOf(p.vmId), await prepareCreate(p)),
      'snapshots.revert': async (p) => {
        const vm = vmOf(p.vmId);
        const { snaps, libVersion } = await look(vm);
        const snap = snaps.list.find((s) => s.name === p.name);
        if (!snap) throw new HangarError('NOT_FOUND', `${vm.name} has no snapshot ${p.name}`);
        checkRevert(vm, snap, libVersion);
        return run(vm, revertSnapshotJob(vm, snap, () => fleet.libvirt(vm.hostId)));
      },
      'snapshots.delete': async (p) => {
        const vm = vmOf(p.vmId);
        const { snaps } = await look(vm);
        if (!snaps.list.some((s) => s.name === p.name)) throw new HangarError('NOT_FOUND', `${vm.name} has no snapshot ${p.name}`);
        const gone = p.withChildren ? subtree(snaps.list, p.name) : [p.name];
        await refuseIfLinkedClones(fleet.libvirt(vm.hostId), p.name, snaps.list.filter((s) => gone.includes(s.name)).flatMap((s) => s.disks.flatMap((d) => (d.location === 'external' && d.file ? [d.file] : []))));
        return run(vm, deleteSnapshotJob(vm, snaps.list, p.name, p.withChildren, { conn: () => fleet.libvirt(vm.hostId), poolRefresh: (files) => refreshPoolsOf(fleet.libvirt(vm.hostId), files) }));
      },
    },
  };
}
