import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { CloneVmParams } from '../contract/clone';
import type { CreateVmParams } from '../contract/vms';
import type { FleetLinks } from '../hosts/fleet';
import type { VmInventory } from '../inventory/vm-inventory';
import type { JobHandler, JobRunner, JobSpec } from '../jobs/job-runner';
import type { CreateSnapshotParams } from '../contract/snapshots';
import { isNotFound } from '../libvirt';
import type { PlacementService } from '../placement/placement-service';
import type { Service } from '../rpc/service';
import { parseDomainXml } from '../xml/domain-read';
import { cloneVmJob } from './clone-job';
import { cloneDiskName, cloneSeedName } from './identity';
import { planClone, refuse } from './plan-clone';
import { hostsReaching } from './storage-reach';

type Params = z.output<typeof CloneVmParams>;

async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * `vms.clone`: a VM cloned in full or linked, or a template cloned into a new VM. Everything that
 * can be refused is refused before the job starts; placement chooses (or checks) the host among
 * those that reach the source's disks, and holds its resources until the job ends.
 */
export function cloneService(deps: {
  fleet: FleetLinks;
  inventory: Pick<VmInventory, 'get' | 'refresh' | 'summariesOn'>;
  jobs: Pick<JobRunner, 'start'>;
  placement: Pick<PlacementService, 'place'>;
  /** A template's clone is a new VM over (linked) or copied from (full) its base image: the create path. */
  createVm(p: z.output<typeof CreateVmParams>): Promise<{ jobId: string }>;
  /** The snapshots service's create, checked and ready to run as the clone's child job. */
  prepareSnapshot(p: z.output<typeof CreateSnapshotParams>): Promise<{ spec: JobSpec; handler: JobHandler }>;
}): Service {
  const { fleet, inventory, jobs } = deps;

  /**
   * A template is a base image no VM writes to: one that is a VM's writable disk (on any host that
   * has it) is refused for a linked clone, which would read it as it changes.
   */
  async function checkTemplateUnused(pool: string, volume: string): Promise<void> {
    for (const host of fleet.hosts.values()) {
      if (host.state !== 'connected') continue;
      const c = fleet.libvirt(host.id);
      let path: string;
      try {
        path = await c.storageVolGetPath(await c.storageVolLookupByName(await c.storagePoolLookupByName(pool), volume));
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const d of inventory.summariesOn(host.id)) {
        const disk = d.disks.find((x) => x.device === 'disk' && !x.readonly && x.source === path);
        if (!disk) continue;
        const state = inventory.get(d.uuid)?.state ?? 'unknown';
        throw state === 'stopped' || state === 'crashed'
          ? refuse('CONFLICT', 'clone.err.linkedStopped', { name: d.name, disk: disk.target }, `${disk.target} is the disk ${d.name} writes to when it starts: a linked clone goes only on a snapshot or a template`)
          : refuse('CONFLICT', 'clone.err.linkedLive', { name: d.name, disk: disk.target }, `${d.name} is running and writes to ${disk.target}: a linked clone goes only on a snapshot or a template, never on a disk a running VM writes to`);
      }
    }
  }

  async function cloneTemplate(p: Params & { source: { kind: 'template' } }) {
    const s = p.source;
    if (p.mode === 'linked') await checkTemplateUnused(s.pool, s.volume);
    return deps.createVm({
      name: p.name,
      ...(p.hostId ? { hostId: p.hostId } : {}),
      hostTags: [],
      affinityGroupIds: [],
      osProfile: s.osProfile,
      vcpus: s.vcpus,
      memoryMiB: s.memoryMiB,
      firmware: 'bios',
      accel: 'auto',
      source: { kind: 'clone', base: { pool: s.pool, volume: s.volume }, mode: p.mode === 'linked' ? 'overlay' : 'copy' },
      diskPool: p.pool ?? s.pool,
      diskSizeGiB: 0.01,
      network: s.network,
      // Every clone gets its own seed: a new instance-id, its name as host name.
      cloudInit: p.cloudInit ?? {},
      labels: {},
      start: p.start,
    });
  }

  async function cloneVm(p: Params & { source: { kind: 'vm' } }) {
    const vm = inventory.get(p.source.vmId);
    if (!vm) throw new HangarError('NOT_FOUND', `No VM ${p.source.vmId}`);
    const source = fleet.hosts.get(vm.hostId);
    if (!source) throw new HangarError('NOT_FOUND', `No host ${vm.hostId}`);
    const conn = fleet.libvirt(vm.hostId);
    const plan = await planClone(vm, conn, { mode: p.mode, snapshot: p.source.snapshot, newSnapshot: p.source.newSnapshot, name: p.name });
    const pool = p.pool ?? plan.disks[0]?.pool ?? 'default';
    const connected = [...fleet.hosts.values()].filter((h) => h.state === 'connected').map((h) => h.id);
    const { reach } = await hostsReaching(plan.disks.map((d) => d.from.path), source.id, connected, (id) => fleet.ssh(id));
    if (p.hostId && !reach.includes(p.hostId)) {
      const want = fleet.hosts.get(p.hostId);
      if (!want) throw new HangarError('NOT_FOUND', `No host ${p.hostId}`);
      throw refuse('CONFLICT', 'clone.err.unreachable', { name: vm.name, host: want.name, source: source.name }, `The disks of ${vm.name} are on storage only ${source.name} reaches: ${want.name} cannot read them (a shared pool can)`, 'hostId');
    }
    const parsed = parseDomainXml(plan.xml);
    const nic = parsed.nics.find((n) => n.type === 'network' && n.source);
    const placed = await deps.placement.place(
      {
        memoryMiB: Math.ceil(parsed.memoryKiB / 1024),
        vcpus: parsed.vcpus,
        pool,
        ...(nic?.source ? { network: nic.source } : {}),
        onlyHostIds: p.hostId ? [p.hostId] : reach,
      },
      p.name,
    );
    try {
      const target = fleet.hosts.get(placed.host.id);
      if (!target) throw new HangarError('NOT_FOUND', `No host ${placed.host.id}`);
      const tc = fleet.libvirt(target.id);
      if (await exists(() => tc.domainLookupByName(p.name))) {
        throw refuse('CONFLICT', 'vm.err.nameTaken', { host: target.name, name: p.name }, `${target.name} already has a VM named ${p.name}`, 'name');
      }
      const tpool = await tc.storagePoolLookupByName(pool);
      const names = [...plan.disks.map((_, i) => cloneDiskName(p.name, i)), ...(plan.seedPath || p.cloudInit ? [cloneSeedName(p.name)] : [])];
      for (const vol of names) {
        if (await exists(() => tc.storageVolLookupByName(tpool, vol))) {
          throw refuse('CONFLICT', 'vm.err.volumeExists', { volume: vol, pool, host: target.name }, `A volume ${vol} exists already in pool ${pool} on ${target.name} (left by an earlier attempt?): delete it or choose another name`, 'name');
        }
      }
      // External and disk-only: the VM goes on writing to new overlays while the clone reads what the snapshot froze.
      const snapshot = plan.snapshot?.take
        ? await deps.prepareSnapshot({ vmId: vm.id, name: plan.snapshot.name, description: `Taken for the clone ${p.name}`, memory: false, external: true, quiesce: true })
        : null;
      const { spec, handler } = cloneVmJob(
        { plan, name: p.name, mode: p.mode, source, target, pool, cloudInit: p.cloudInit, start: p.start },
        {
          libvirt: (id) => fleet.libvirt(id),
          ssh: (id) => fleet.ssh(id),
          takeSnapshot: async (ctx) => {
            if (!snapshot) return;
            // A child job: it runs under the clone's hold on the VM instead of queueing behind it.
            const done = await ctx.finished((await ctx.child(snapshot.spec, snapshot.handler)).jobId);
            if (done.state !== 'succeeded') throw done.error ? HangarError.fromData(done.error) : new HangarError('CANCELLED', `The snapshot ended ${done.state}`);
          },
        },
      );
      const ref = await jobs.start(spec, async (ctx) => {
        const made = (await handler(ctx)) as { uuid: string; hostId: string };
        await inventory.refresh(made.hostId, made.uuid).catch(() => undefined);
        return made;
      });
      await placed.bind(ref.jobId);
      return { ...ref, placement: placed.outcome };
    } catch (err) {
      await placed.release();
      throw err;
    }
  }

  return {
    name: 'clone',
    handlers: {
      'vms.clone': (p) => (p.source.kind === 'template' ? cloneTemplate(p as Params & { source: { kind: 'template' } }) : cloneVm(p as Params & { source: { kind: 'vm' } })),
    },
  };
}
