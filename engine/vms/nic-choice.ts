import type { Host } from '../contract/hosts';
import { ListActiveFlag, type LibvirtConnection } from '../libvirt';

/** What a new VM's network card is attached to. */
export type NicChoice = { kind: 'network'; name: string } | { kind: 'user' } | null;

/**
 * The local host often has no running NAT network: a per-user session daemon cannot make one, and
 * a system daemon started by Hangar has `default` defined but inactive (starting it would change
 * the machine's bridges and firewall). A VM there asking for a network that is not running gets
 * QEMU's user-mode networking instead, which needs no privileges and still reaches out. Remote
 * hosts get exactly the network asked for.
 */
export async function chooseNic(conn: LibvirtConnection, host: Pick<Host, 'kind'>, network: string | null): Promise<NicChoice> {
  if (network === null) return null;
  if (host.kind !== 'local') return { kind: 'network', name: network };
  const active = await conn.listAllNetworks(ListActiveFlag.ACTIVE);
  return active.some((n) => n.name === network) ? { kind: 'network', name: network } : { kind: 'user' };
}
