import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { Job } from '../contract/jobs';
import type { PlacementStrategy } from '../contract/placement';
import type { Vm } from '../contract/vms';
import type { LibvirtConnection } from '../libvirt';
import { isNotFound } from '../libvirt';
import type { Logger } from '../logger';
import type { Handlers } from '../rpc/handlers';
import type { Db } from '../store/db';
import { holdsResources } from './capacity';
import { PlacementRepo } from './placement-repo';
import { PlacementService } from './placement-service';
import type { PlacementHost } from './request';

export { PlacementService } from './placement-service';
export type { PlacementRequest } from './request';

export interface PlacementWiring {
  db: Db;
  hosts: () => Host[];
  vms: () => Vm[];
  vm: (vmId: string) => Vm | undefined;
  libvirt: (hostId: string) => LibvirtConnection;
  strategy: () => PlacementStrategy;
  jobState: (jobId: string) => Job['state'] | undefined;
  logger: Logger;
}

/** A host as placement sees it; maintenance is read where the host record has it (absent: none). */
function placementHost(h: Host): PlacementHost {
  const maintenance = (h as Host & { maintenance?: PlacementHost['maintenance'] }).maintenance;
  return { id: h.id, name: h.name, state: h.state, tags: h.tags, facts: h.facts, networkFallback: h.kind === 'local', ...(maintenance ? { maintenance } : {}) };
}

/** Builds the placement service from the engine's parts (hosts, inventory, libvirt, settings, jobs). */
export async function createPlacement(w: PlacementWiring): Promise<PlacementService> {
  const service = new PlacementService({
    repo: new PlacementRepo(w.db),
    hosts: () => w.hosts().map(placementHost),
    vms: () => w.vms().map((v) => ({ uuid: v.uuid, name: v.name, hostId: v.hostId, memoryMiB: Math.ceil(v.memoryKiB / 1024), vcpus: v.vcpus, active: holdsResources(v.state) })),
    hasVolume: async (hostId, ref) => {
      const conn = w.libvirt(hostId);
      try {
        await conn.storageVolLookupByName(await conn.storagePoolLookupByName(ref.pool), ref.volume);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    defaultStrategy: w.strategy,
    jobState: w.jobState,
    logger: w.logger,
  });
  await service.init();
  return service;
}

type PlacementMethods = Extract<keyof Handlers, `placement.${string}`>;

/** The placement.* methods of the contract. */
export function placementHandlers(s: PlacementService, vm: (vmId: string) => Vm | undefined): Pick<Handlers, PlacementMethods> {
  const vmOf = (vmId: string) => {
    const v = vm(vmId);
    if (!v) throw new HangarError('NOT_FOUND', `No VM ${vmId}`);
    return v;
  };
  return {
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
    'placement.groups.removeVm': (p) => s.removeMember(p.groupId, vm(p.vmId)?.uuid ?? p.vmId.slice(p.vmId.lastIndexOf(':') + 1)),
  };
}
