import type { MethodParams, NetworkAction } from '../../../engine/contract';
import { call } from './call';
import { runJob } from './jobs';

/** Virtual networks on a host. Changes are jobs; each promise follows its job. */

export const createNetwork = (params: MethodParams<'networks.create'>) => runJob('networks.create', params);

export const runNetworkAction = (hostId: string, network: string, action: NetworkAction) => runJob('networks.action', { hostId, network, action });

export const networkLeases = (hostId: string, network: string) => call('networks.leases', { hostId, network });
