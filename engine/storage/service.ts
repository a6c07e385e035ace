import type { FleetHosts } from '../hosts/fleet';
import type { Service } from '../rpc/service';
import { listVolumes } from './list-volumes';

/** Storage as the contract shows it: a host's pools and volumes. */
export function storageService(fleet: Pick<FleetHosts, 'libvirt'>): Service {
  return {
    name: 'storage',
    handlers: {
      'storage.volumes': (p) => listVolumes(fleet.libvirt(p.hostId), p.pool),
    },
  };
}
