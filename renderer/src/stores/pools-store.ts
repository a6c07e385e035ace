import type { Pool } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const pools = createCollectionStore<Pool>();
export const usePools = pools.useStore;
export const bindPools = (client: Parameters<typeof pools.bind>[0]) => pools.bind(client, 'pools');
