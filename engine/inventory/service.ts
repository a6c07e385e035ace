import type { EventHub } from '../events/event-hub';
import type { FleetEvents, FleetHosts } from '../hosts/fleet';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import { GuestAddresses } from './guest-addresses';
import { closeParsePool } from '../xml/parse-pool';
import { VmInventory } from './vm-inventory';

/** How often every connected host's inventory is fetched whole, in case an event was missed. */
const RECONCILE_MS = 5 * 60_000;

/**
 * The VMs of the fleet: fetched whole when a host connects, kept current by libvirt's events, with
 * guest addresses from DHCP leases and agents; the `vms` topic and `vms.list`. The slow reconcile
 * behind the events is background work.
 */
export function inventoryService(deps: { hub: EventHub; logger: Logger; fleet: FleetEvents & FleetHosts; addressIntervalMs: () => number }): Service & { readonly inventory: VmInventory } {
  const { fleet, hub, logger } = deps;
  const inventory = new VmInventory(logger, (hostId) => fleet.libvirt(hostId), (hostId) => fleet.hosts.get(hostId)?.name ?? hostId);
  const addresses = new GuestAddresses(inventory, logger, deps.addressIntervalMs);
  fleet.on('connected', (hostId, conn) => {
    inventory.hostConnected(hostId, conn).catch((err: unknown) => logger.warn('inventory fetch failed', { hostId, error: String(err) }));
    addresses.hostConnected(hostId, conn);
  });
  fleet.on('event', (hostId, ev) => {
    inventory.onEvent(hostId, ev);
    addresses.onEvent(hostId, ev);
  });
  fleet.on('lost', (hostId) => {
    inventory.hostLost(hostId);
    addresses.hostLost(hostId);
  });
  fleet.on('removed', (hostId) => {
    inventory.hostRemoved(hostId);
    addresses.hostLost(hostId);
  });
  hub.defineTopic('vms', { initial: () => inventory.vms.snapshot() });
  inventory.vms.onDelta((d) => hub.publish('vms', d));

  let reconcile: NodeJS.Timeout | null = null;
  return {
    name: 'inventory',
    inventory,
    handlers: {
      'vms.list': async (p) => ({ vms: inventory.vms.values().filter((v) => !p.hostId || v.hostId === p.hostId) }),
    },
    start() {
      // The slow reconcile behind the events: anything missed is caught within this period.
      reconcile = setInterval(() => {
        for (const h of fleet.hosts.values()) {
          if (h.state !== 'connected') continue;
          try {
            void inventory.reconcile(h.id, fleet.libvirt(h.id)).catch((err: unknown) => logger.warn('reconcile failed', { hostId: h.id, error: String(err) }));
          } catch {
            // disconnected meanwhile
          }
        }
      }, RECONCILE_MS);
      reconcile.unref();
    },
    async close() {
      if (reconcile) clearInterval(reconcile);
      addresses.close();
      await closeParsePool();
    },
  };
}
