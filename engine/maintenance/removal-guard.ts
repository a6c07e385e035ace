import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { Vm } from '../contract/vms';

/**
 * hosts.remove of a host that still has VMs is refused (seed 001 L64–80: a host is removed from
 * maintenance, empty): the way out is maintenance, which moves them away.
 */
export function removalGuard(deps: { host(hostId: string): Host; vmsOn(hostId: string): Vm[] }): (hostId: string) => void {
  return (hostId) => {
    const host = deps.host(hostId);
    const vms = deps.vmsOn(hostId);
    if (vms.length === 0) return;
    const names = vms.map((v) => v.name).join(', ');
    throw new HangarError('CONFLICT', `${host.name} still has ${vms.length} VM(s) (${names}): put it in maintenance to move them away, then remove it`, {
      message: { key: 'maintenance.err.removeHasVms', args: { host: host.name, count: vms.length, names } },
    });
  };
}
