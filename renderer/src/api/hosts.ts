import type { MethodParams } from '../../../engine/contract';
import { call } from './call';
import { runJob } from './jobs';

/**
 * Hosts: test and add (request/response because of the host-key dialogue); edit, connect,
 * disconnect, remove, retry and replace the key are jobs on the host, each promise following its job.
 */

export const testHost = (params: MethodParams<'hosts.test'>) => call('hosts.test', params);

export const addHost = (params: MethodParams<'hosts.add'>) => call('hosts.add', params);

export const updateHost = (params: MethodParams<'hosts.update'>) => runJob('hosts.update', params);

export const connectHost = (hostId: string) => runJob('hosts.connect', { hostId });

export const disconnectHost = (hostId: string) => runJob('hosts.disconnect', { hostId });

export const removeHost = (hostId: string) => runJob('hosts.remove', { hostId });

export const retryHost = (hostId: string) => runJob('hosts.retry', { hostId });

export const replaceHostKey = (params: MethodParams<'hosts.replaceKey'>) => runJob('hosts.replaceKey', params);
