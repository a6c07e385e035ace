import { HangarError } from '../contract/errors';
import type { JobRef } from '../contract/jobs';
import type { CreateNetworkParams, NetworkAction } from '../contract/networks';
import type { FleetHosts } from '../hosts/fleet';
import { HostObjects } from '../inventory/host-objects';
import type { JobRunner } from '../jobs/job-runner';
import { buildNetworkXml } from '../xml/network';
import type { NetworkInventory } from './network-inventory';
import { readNetworks } from './read-network';
import { validateNetwork } from './validate-network';

export interface NetworkJobDeps {
  fleet: Pick<FleetHosts, 'libvirt'>;
  inventory: NetworkInventory;
  jobs: Pick<JobRunner, 'start'>;
}

const target = (hostId: string, name: string) => ({ kind: 'network' as const, id: HostObjects.id(hostId, name) });

/**
 * Checked against the host's networks as libvirt has them now (not only the collection), then
 * defined, started and set to autostart; a network that fails to start is undefined again.
 */
export async function createNetwork(deps: NetworkJobDeps, p: CreateNetworkParams): Promise<JobRef> {
  const conn = deps.fleet.libvirt(p.hostId);
  const spec = validateNetwork(p, await readNetworks(conn, p.hostId));
  return deps.jobs.start({ kind: 'network.create', title: { key: 'job.network.create', args: { name: p.name } }, target: target(p.hostId, p.name), hostId: p.hostId, cancellable: false }, async (ctx) => {
    const ref = await conn.networkDefineXml(buildNetworkXml(spec));
    try {
      ctx.progress(0.5, { key: 'net.step.start' });
      await conn.networkCreate(ref);
      if (p.autostart) await conn.networkSetAutostart(ref, true);
    } catch (err) {
      await conn.networkDestroy(ref).catch(() => undefined);
      await conn.networkUndefine(ref).catch(() => undefined);
      throw err;
    }
    const net = await deps.inventory.refreshNetwork(p.hostId, p.name);
    if (!net) throw new HangarError('NOT_FOUND', `Network ${p.name} vanished after it was created`);
    return net;
  });
}

const KIND = { start: 'network.start', stop: 'network.stop', delete: 'network.delete', autostartOn: 'network.autostart', autostartOff: 'network.autostart' } as const;

/** Start, stop, delete (stops it first) or autostart. Running guests on a stopped network lose their link until it starts again. */
export async function networkAction(deps: NetworkJobDeps, p: { hostId: string; network: string; action: NetworkAction }): Promise<JobRef> {
  const net = deps.inventory.networks.find(p.hostId, p.network) ?? (await deps.inventory.refreshNetwork(p.hostId, p.network));
  if (!net) throw new HangarError('NOT_FOUND', `No network ${p.network}`);
  const kind = KIND[p.action];
  return deps.jobs.start({ kind, title: { key: `job.${kind}`, args: { name: net.name } }, target: target(p.hostId, net.name), hostId: p.hostId, cancellable: false }, async () => {
    const conn = deps.fleet.libvirt(p.hostId);
    const ref = await conn.networkLookupByName(net.name);
    const active = await conn.networkIsActive(ref);
    if (p.action === 'start' && !active) await conn.networkCreate(ref);
    if ((p.action === 'stop' || p.action === 'delete') && active) await conn.networkDestroy(ref);
    if (p.action === 'delete') await conn.networkUndefine(ref);
    if (p.action === 'autostartOn' || p.action === 'autostartOff') await conn.networkSetAutostart(ref, p.action === 'autostartOn');
    return deps.inventory.refreshNetwork(p.hostId, net.name);
  });
}
