import type { Network } from '../contract/networks';
import { HostObjects } from '../inventory/host-objects';
import { isNotFound, type LibvirtConnection, type NetworkRef } from '../libvirt';
import { readNetworkXml } from '../xml/network';
import { subnetOf } from './ipv4';

export async function readNetwork(conn: LibvirtConnection, hostId: string, ref: NetworkRef): Promise<Network> {
  const [xml, active, autostart] = await Promise.all([conn.networkGetXmlDesc(ref), conn.networkIsActive(ref), conn.networkGetAutostart(ref)]);
  const x = readNetworkXml(xml);
  const v4 = x.ips.find((ip) => ip.family === 'ipv4' && ip.prefix !== null);
  const subnet = v4 ? subnetOf(v4.address, v4.prefix!) : null;
  return {
    id: HostObjects.id(hostId, ref.name),
    hostId,
    name: ref.name,
    uuid: ref.uuid,
    active,
    autostart,
    mode: x.forwardMode ?? 'isolated',
    bridge: x.bridge,
    subnet: subnet ? `${subnet.network}/${subnet.prefix}` : null,
    address: v4?.address ?? null,
    dhcpRange: v4?.dhcpRanges[0] ?? null,
    reservations: v4?.dhcpHosts ?? [],
    leaseMinutes: v4?.leaseMinutes ?? null,
  };
}

export async function readNetworks(conn: LibvirtConnection, hostId: string): Promise<Network[]> {
  const refs = await conn.listAllNetworks();
  const nets = await Promise.all(refs.map((r) => readNetwork(conn, hostId, r).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)))));
  return nets.filter((n): n is Network => n !== null);
}

export async function readNetworkByName(conn: LibvirtConnection, hostId: string, name: string): Promise<Network | null> {
  try {
    return await readNetwork(conn, hostId, await conn.networkLookupByName(name));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
