import type { MethodParams } from '../../../engine/contract';
import { runJob } from './jobs';

// Each of these is a job on the host (it waits for the host's running task); the promise follows it.
export const updateHost = (p: MethodParams<'hosts.update'>) => runJob('hosts.update', p);
export const connectHost = (hostId: string) => runJob('hosts.connect', { hostId });
export const disconnectHost = (hostId: string) => runJob('hosts.disconnect', { hostId });
export const removeHost = (hostId: string) => runJob('hosts.remove', { hostId });
export const retryHost = (hostId: string) => runJob('hosts.retry', { hostId });
export const replaceHostKey = (p: MethodParams<'hosts.replaceKey'>) => runJob('hosts.replaceKey', p);
