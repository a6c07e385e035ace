import type { Pool } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const pools = createCollectionStore<Pool>();
export const usePools = pools.useStore;
export const bindPools = (client: Parameters<typeof pools.bind>[0]) => pools.bind(client, 'pools');

/** The names of a host's running pools, live (a pool made a moment ago is offered at once). */
export const useRunningPoolNames = (hostId: string): string[] =>
  usePools((s) =>
    Object.values(s.byId)
      .filter((p) => p.hostId === hostId && p.state === 'running')
      .map((p) => p.name)
      .sort()
      .join('\n'),
  )
    .split('\n')
    .filter(Boolean);
