import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Hosts: test and add (request/response because of the host-key dialogue), edit, connect, remove. */

export const testHost = (params: MethodParams<'hosts.test'>) => call('hosts.test', params);

export const addHost = (params: MethodParams<'hosts.add'>) => call('hosts.add', params);

export const updateHost = (params: MethodParams<'hosts.update'>) => call('hosts.update', params);

export const connectHost = (hostId: string) => call('hosts.connect', { hostId });

export const disconnectHost = (hostId: string) => call('hosts.disconnect', { hostId });

export const removeHost = (hostId: string) => call('hosts.remove', { hostId });

export const retryHost = (hostId: string) => call('hosts.retry', { hostId });

export const replaceHostKey = (params: MethodParams<'hosts.replaceKey'>) => call('hosts.replaceKey', params);
