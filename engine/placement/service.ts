import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { Job } from '../contract/jobs';
import type { Settings } from '../contract/settings';
import type { Vm } from '../contract/vms';
import type { EventHub } from '../events/event-hub';
import type { FleetEvents, FleetHosts } from '../hosts/fleet';
import { isNotFound } from '../libvirt';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { placedVm } from './capacity';
import { PlacementRepo } from './placement-repo';
import { PlacementService } from './placement-service';
import type { PlacementHost } from './request';

/** A host as placement sees it, with its maintenance state from the host record. */
function placementHost(h: Host): PlacementHost {
  return { id: h.id, name: h.name, state: h.state, tags: h.tags, facts: h.facts, networkFallback: h.kind === 'local', maintenance: h.maintenance };
}

/**
 * Placement (DESIGN §8): the `placement.*` methods (host capacity settings, affinity groups), and
 * the PlacementService that create (and next migration, evacuation, pools) asks for a host. It
 * follows jobs to end their reservations, and hosts to forget a removed one's settings.
 */
export async function placementService(deps: {
  db: Db;
  hub: EventHub;
  logger: Logger;
  fleet: FleetHosts & FleetEvents;
  inventory: { get(id: string): Vm | undefined; readonly vms: { values(): Vm[] } };
  jobs: { readonly jobs: { get(id: string): Job | undefined } };
  settings: () => Settings;
}): Promise<Service & { readonly placement: PlacementService }> {
  const { fleet, inventory } = deps;
  const s = new PlacementService({
    repo: new PlacementRepo(deps.db),
    hosts: () => fleet.hosts.values().map(placementHost),
    vms: () => inventory.vms.values().map(placedVm),
    hasVolume: async (hostId, ref) => {
      const conn = fleet.libvirt(hostId);
      try {
        await conn.storageVolLookupByName(await conn.storagePoolLookupByName(ref.pool), ref.volume);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    defaultStrategy: () => deps.settings().placementStrategy,
    jobState: (id) => deps.jobs.jobs.get(id)?.state,
    logger: deps.logger,
  });
  await s.init();
  deps.hub.subscribe('job.updated', {}, (job: Job) => s.onJob(job));
  fleet.on('removed', (hostId) => void s.hostRemoved(hostId).catch(() => undefined));
  const vmOf = (vmId: string) => {
    const v = inventory.get(vmId);
    if (!v) throw new HangarError('NOT_FOUND', `No VM ${vmId}`);
    return v;
  };
  return {
    name: 'placement',
    placement: s,
    handlers: {
      'placement.capacity': async () => ({ hosts: await s.capacity() }),
      'placement.setHostSettings': ({ hostId, ...patch }) => s.setHostSettings(hostId, patch),
      'placement.groups.list': async () => ({ groups: s.groups() }),
      'placement.groups.create': (p) => s.createGroup(p),
      'placement.groups.update': ({ groupId, ...p }) => s.updateGroup({ id: groupId, ...p }),
      'placement.groups.delete': async (p) => {
        await s.deleteGroup(p.groupId);
        return { deleted: true as const };
      },
      'placement.groups.addVm': (p) => {
        const v = vmOf(p.vmId);
        return s.addMember(p.groupId, { uuid: v.uuid, name: v.name });
      },
      // A VM that is gone can still be let go: by its UUID, or by an id that ends with it.
      'placement.groups.removeVm': (p) => s.removeMember(p.groupId, inventory.get(p.vmId)?.uuid ?? p.vmId.slice(p.vmId.lastIndexOf(':') + 1)),
    },
  };
}
