import type { DhcpLeaseInfo } from '../contract/networks';
import type { EventHub } from '../events/event-hub';
import type { FleetEvents, FleetHosts } from '../hosts/fleet';
import type { JobRunner } from '../jobs/job-runner';
import { HangarError } from '../contract/errors';
import { isNotFound } from '../libvirt';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import { createNetwork, networkAction } from './network-jobs';
import { NetworkInventory } from './network-inventory';

/** Virtual networks: the `networks` topic, create/start/stop/autostart/delete as jobs, DHCP leases. */
export function networksService(deps: { fleet: FleetEvents & Pick<FleetHosts, 'libvirt'>; hub: EventHub; jobs: Pick<JobRunner, 'start'>; logger: Logger }): Service & { readonly networks: NetworkInventory } {
  const { fleet, hub } = deps;
  const inventory = new NetworkInventory(fleet, deps.logger);
  inventory.follow(fleet);
  hub.defineTopic('networks', { initial: () => inventory.networks.items.snapshot() });
  inventory.networks.items.onDelta((d) => hub.publish('networks', d));
  const jobDeps = { fleet, inventory, jobs: deps.jobs };
  return {
    name: 'networks',
    networks: inventory,
    handlers: {
      'networks.list': async (p) => ({ networks: inventory.networks.items.values().filter((n) => !p.hostId || n.hostId === p.hostId) }),
      'networks.create': (p) => createNetwork(jobDeps, p),
      'networks.action': (p) => networkAction(jobDeps, p),
      'networks.leases': async (p) => {
        const conn = fleet.libvirt(p.hostId);
        let ref;
        try {
          ref = await conn.networkLookupByName(p.network);
        } catch (err) {
          if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No network ${p.network}`);
          throw err;
        }
        if (!(await conn.networkIsActive(ref))) return { leases: [] };
        const leases = await conn.networkGetDhcpLeases(ref);
        return {
          leases: leases.map((l): DhcpLeaseInfo => ({ mac: l.mac, ip: l.ipaddr, prefix: l.prefix, hostname: l.hostname, expiresAt: Number(l.expirytime) * 1000 })).sort((a, b) => a.ip.localeCompare(b.ip, undefined, { numeric: true })),
        };
      },
    },
  };
}
