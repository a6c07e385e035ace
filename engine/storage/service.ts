import type { EventHub } from '../events/event-hub';
import type { FleetEvents, FleetLinks } from '../hosts/fleet';
import type { JobRunner } from '../jobs/job-runner';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { LibraryResolver } from '../library/service';
import { listVolumes, listVolumesUsage } from './list-volumes';
import { PoolInventory } from './pool-inventory';
import { createPool, poolAction } from './pool-jobs';
import { createVolume, resizeVolume, wipeOrDeleteVolume } from './volume-jobs';

/** Storage as the contract shows it: a host's pools (the `pools` topic) and volumes; every change a job. */
export function storageService(deps: { fleet: FleetEvents & Pick<FleetLinks, 'libvirt' | 'ssh'>; hub: EventHub; jobs: Pick<JobRunner, 'start'>; logger: Logger; library?: Pick<LibraryResolver, 'itemsInPool'> }): Service & { readonly pools: PoolInventory } {
  const { fleet, hub } = deps;
  const inventory = new PoolInventory(fleet, deps.logger);
  inventory.follow(fleet);
  hub.defineTopic('pools', { initial: () => inventory.pools.items.snapshot() });
  inventory.pools.items.onDelta((d) => hub.publish('pools', d));
  const jobDeps = { fleet, inventory, jobs: deps.jobs, ...(deps.library ? { library: deps.library } : {}) };
  return {
    name: 'storage',
    pools: inventory,
    handlers: {
      'storage.volumes': (p) => listVolumes(fleet.libvirt(p.hostId), p.pool),
      'storage.volumesUsage': (p) => listVolumesUsage(fleet.libvirt(p.hostId), p.pool),
      'storage.pools': async (p) => ({ pools: inventory.pools.items.values().filter((x) => !p.hostId || x.hostId === p.hostId) }),
      'storage.createPool': (p) => createPool(jobDeps, p),
      'storage.poolAction': (p) => poolAction(jobDeps, p),
      'storage.createVolume': (p) => createVolume(jobDeps, p),
      'storage.resizeVolume': (p) => resizeVolume(jobDeps, p),
      'storage.wipeVolume': (p) => wipeOrDeleteVolume(jobDeps, p, 'wipe'),
      'storage.deleteVolume': (p) => wipeOrDeleteVolume(jobDeps, p, 'delete'),
    },
  };
}
