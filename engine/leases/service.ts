import type { Job } from '../contract/jobs';
import type { Vm } from '../contract/vms';
import type { FleetHosts } from '../hosts/fleet';
import type { JobRunner } from '../jobs/job-runner';
import type { Logger } from '../logger';
import type { PlacementService } from '../placement/placement-service';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import type { LeaseEngine } from './lease-engine';
import { LeaseManager } from './lease-manager';
import { LeaseRepo } from './lease-repo';

/**
 * Disposable VM pools and leases (issue 18): the `pools.*` and `leases.*` methods, the reaper
 * (background work: one sweep at start, then periodic) and `leases`, the LeaseEngine the REST
 * listener and the CLI call.
 */
export function leasesService(deps: {
  db: Db;
  fleet: FleetHosts;
  inventory: { get(id: string): Vm | undefined; refresh(hostId: string, uuid: string): Promise<void>; readonly vms: { values(): Vm[] } };
  jobs: JobRunner;
  placement: PlacementService;
  logger: Logger;
  reapIntervalMs?: number;
}): Service & { readonly leases: LeaseEngine } {
  const m = new LeaseManager({ repo: new LeaseRepo(deps.db), fleet: deps.fleet, inventory: deps.inventory, jobs: deps.jobs as JobRunner & { readonly jobs: { get(id: string): Job | undefined } }, placement: deps.placement, logger: deps.logger, ...(deps.reapIntervalMs ? { reapIntervalMs: deps.reapIntervalMs } : {}) });
  return {
    name: 'leases',
    leases: m,
    handlers: {
      'pools.list': async () => ({ pools: m.listPools() }),
      'pools.create': (p) => m.createPool(p),
      'pools.update': (p) => m.updatePool(p),
      'pools.delete': async (p) => {
        await m.deletePool(p.os);
        return { deleted: true as const };
      },
      'pools.capacity': (p) => m.capacity(p.os),
      'pools.importIni': (p) => m.importIni(p),
      'leases.acquire': (p) => m.acquire(p),
      'leases.list': async (p) => ({ leases: m.list(p) }),
      'leases.get': (p) => m.getAny(p.id, p.owner),
      'leases.release': (p) => m.release(p),
      'leases.extend': (p) => m.extend(p),
      'leases.history': async (p) => ({ records: await m.history(p) }),
    },
    open: () => m.open(),
    start: () => m.start(),
    close: () => m.close(),
  };
}
