import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Disposable VM pools (the leases engine): pools, capacity, leases, history; and the REST API's tokens. */

export const listLeasePools = () => call('pools.list', {});
export const createLeasePool = (p: MethodParams<'pools.create'>) => call('pools.create', p);
export const updateLeasePool = (p: MethodParams<'pools.update'>) => call('pools.update', p);
export const deleteLeasePool = (os: string) => call('pools.delete', { os });
export const poolCapacity = (os: string) => call('pools.capacity', { os });

export const listLeases = (p: MethodParams<'leases.list'> = {}) => call('leases.list', p);
/** Leases VMs from the UI (owner `ui`): answered at once; the page follows the leases. */
export const acquireLeases = (p: MethodParams<'leases.acquire'>) => call('leases.acquire', p);
export const releaseLeases = (ids: string[]) => call('leases.release', { ids });
export const extendLease = (id: string, minutes: number) => call('leases.extend', { id, minutes });
export const leaseHistory = (p: MethodParams<'leases.history'> = {}) => call('leases.history', p);

export const listApiTokens = () => call('apiTokens.list', {});
export const createApiToken = (p: MethodParams<'apiTokens.create'>) => call('apiTokens.create', p);
export const revokeApiToken = (id: string) => call('apiTokens.revoke', { id });
