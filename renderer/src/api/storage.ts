import { call } from './call';

/** Storage pools and their volumes on a host. */

export const listVolumes = (hostId: string, pool: string) => call('storage.volumes', { hostId, pool });
