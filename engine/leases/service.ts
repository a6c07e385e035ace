import { HangarError } from '../contract/errors';
import type { Service } from '../rpc/service';
import type { LeaseEngine } from './lease-engine';

const notYet = (): never => {
  throw new HangarError('UNSUPPORTED', 'Leases are not implemented yet', { message: { key: 'leases.err.notYet', args: {} } });
};

/** STUB (contract commit): every method answers, pool and lease lists are empty. */
export function leasesService(): Service & { readonly leases: LeaseEngine } {
  const leases: LeaseEngine = {
    listPools: () => [],
    pool: () => undefined,
    createPool: async () => notYet(),
    updatePool: async () => notYet(),
    deletePool: async () => notYet(),
    capacity: async () => notYet(),
    acquire: async () => notYet(),
    waitReady: async () => notYet(),
    list: () => [],
    get: () => notYet(),
    release: async () => notYet(),
    extend: async () => notYet(),
    history: async () => [],
    onChange: () => () => undefined,
  };
  return {
    name: 'leases',
    leases,
    handlers: {
      'pools.list': async () => ({ pools: leases.listPools() }),
      'pools.create': (p) => leases.createPool(p),
      'pools.update': (p) => leases.updatePool(p),
      'pools.delete': async (p) => {
        await leases.deletePool(p.os);
        return { deleted: true as const };
      },
      'pools.capacity': (p) => leases.capacity(p.os),
      'leases.acquire': (p) => leases.acquire(p),
      'leases.list': async (p) => ({ leases: leases.list(p) }),
      'leases.get': async (p) => leases.get(p.id, p.owner),
      'leases.release': (p) => leases.release(p),
      'leases.extend': (p) => leases.extend(p),
      'leases.history': async (p) => ({ records: await leases.history(p) }),
    },
  };
}
