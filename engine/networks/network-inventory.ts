import type { Network } from '../contract/networks';
import type { FleetEvents, FleetHosts } from '../hosts/fleet';
import { HostObjects } from '../inventory/host-objects';
import type { LibvirtConnection, LibvirtEvent } from '../libvirt';
import type { Logger } from '../logger';
import { readNetworkByName, readNetworks } from './read-network';

/** The virtual networks of the fleet: fetched whole when a host connects, then one by one on libvirt's network lifecycle events. */
export class NetworkInventory {
  readonly networks = new HostObjects<Network>();

  constructor(
    private readonly fleet: Pick<FleetHosts, 'libvirt'>,
    private readonly logger: Logger,
  ) {}

  follow(events: FleetEvents): void {
    events.on('connected', (hostId, conn) => void this.fetchHost(hostId, conn));
    events.on('event', (hostId, ev) => this.onEvent(hostId, ev));
    // A lost host keeps its last known list (the page says the host is unreachable); the next connect reads it whole again.
    events.on('removed', (hostId) => this.networks.dropHost(hostId));
  }

  async fetchHost(hostId: string, conn: LibvirtConnection = this.fleet.libvirt(hostId)): Promise<void> {
    try {
      this.networks.replaceHost(hostId, await readNetworks(conn, hostId));
    } catch (err) {
      this.logger.warn('network inventory fetch failed', { hostId, error: String(err) });
    }
  }

  async refreshNetwork(hostId: string, name: string): Promise<Network | null> {
    const net = await readNetworkByName(this.fleet.libvirt(hostId), hostId, name);
    this.networks.put(hostId, name, net);
    return net;
  }

  private onEvent(hostId: string, ev: LibvirtEvent): void {
    if (ev.kind !== 'network-lifecycle') return;
    this.refreshNetwork(hostId, ev.net.name).catch((err: unknown) => this.logger.warn('network refresh after event failed', { hostId, network: ev.net.name, error: String(err) }));
  }
}
