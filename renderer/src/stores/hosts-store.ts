import type { Host } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const hosts = createCollectionStore<Host>();
export const useHosts = hosts.useStore;
export const bindHosts = (client: Parameters<typeof hosts.bind>[0]) => hosts.bind(client, 'hosts');
