import type { Vm } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const vms = createCollectionStore<Vm>();
export const useVms = vms.useStore;
export const bindVms = (client: Parameters<typeof vms.bind>[0]) => vms.bind(client, 'vms');
