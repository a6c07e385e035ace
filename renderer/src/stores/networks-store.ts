import type { Network } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const networks = createCollectionStore<Network>();
export const useNetworks = networks.useStore;
export const bindNetworks = (client: Parameters<typeof networks.bind>[0]) => networks.bind(client, 'networks');
