import type { Network } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const networks = createCollectionStore<Network>();
export const useNetworks = networks.useStore;
export const bindNetworks = (client: Parameters<typeof networks.bind>[0]) => networks.bind(client, 'networks');

/** The names of a host's networks, live. */
export const useNetworkNames = (hostId: string): string[] =>
  useNetworks((s) =>
    Object.values(s.byId)
      .filter((n) => n.hostId === hostId)
      .map((n) => n.name)
      .sort()
      .join('\n'),
  )
    .split('\n')
    .filter(Boolean);
