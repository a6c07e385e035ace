import type { Settings } from '../contract/settings';
import type { EventHub } from '../events/event-hub';
import type { FleetEvents, FleetLinks } from '../hosts/fleet';
import type { VmInventory } from '../inventory/vm-inventory';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { MetricsService } from './metrics-service';

/**
 * Charts and Top consumers: `metrics.query` and `metrics.top` read the store whenever the engine
 * runs; sampling (a sampler per connected host, fleet totals) is background work, started only by
 * engines that stay up.
 */
export async function metricsService(deps: {
  db: Db;
  hub: EventHub;
  logger: Logger;
  fleet: FleetEvents & Pick<FleetLinks, 'hosts' | 'libvirt' | 'ssh'>;
  inventory: Pick<VmInventory, 'vms'>;
  settings: () => Settings;
}): Promise<Service> {
  const { fleet, hub, inventory } = deps;
  const metrics = new MetricsService({
    db: deps.db,
    logger: deps.logger,
    intervalSec: () => deps.settings().metricsIntervalSec,
    vmCount: (hostId) => (hostId ? inventory.vms.values().filter((v) => v.hostId === hostId).length : inventory.vms.values().length),
    migrating: (hostId) => inventory.vms.values().filter((v) => v.hostId === hostId && v.state === 'migrating'),
    hostShell: (hostId) => {
      const ssh = fleet.ssh(hostId);
      return ssh ? async (command) => (await ssh.exec(command, { timeoutMs: 10_000 })).stdout : null;
    },
    publish: (s) => hub.publish('metrics.sample', s),
    vmExists: (vmId) => inventory.vms.get(vmId) !== undefined,
  });
  await metrics.init();
  hub.defineTopic('metrics.sample', { matches: (f, s) => (f.vmId ? f.vmId === s.vmId : !f.hostId || (f.hostId === s.hostId && !s.vmId)) });
  let sampling = false;
  fleet.on('connected', (hostId, conn) => sampling && metrics.hostConnected(hostId, conn));
  fleet.on('lost', (hostId) => metrics.hostLost(hostId));
  fleet.on('event', (hostId, ev) => metrics.onEvent(hostId, ev));
  fleet.on('removed', (hostId) => metrics.hostLost(hostId));
  hub.subscribe('settings.changed', {}, () => metrics.settingsChanged());
  return {
    name: 'metrics',
    handlers: {
      'metrics.query': (p) => metrics.query(p.target, p.from, p.to, p.maxPoints),
      'metrics.top': (p) => metrics.top(p.metric, p.periodSec, p.count),
    },
    start() {
      sampling = true;
      metrics.start();
      // Hosts that connected before sampling began get their sampler now.
      for (const h of fleet.hosts.values()) {
        if (h.state !== 'connected') continue;
        try {
          metrics.hostConnected(h.id, fleet.libvirt(h.id));
        } catch {
          // disconnected meanwhile: it gets one when it connects
        }
      }
    },
    close: () => metrics.close(),
  };
}
