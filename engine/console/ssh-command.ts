import type { SshCommand } from '../contract/console';
import { HangarError } from '../contract/errors';
import type { DomainNic } from '../inventory/domain-xml';
import type { DomainInterface } from '../libvirt';
import { shellQuoteArg } from '../ssh';

type Address = SshCommand['addresses'][number];
type Jump = { kind: 'local' } | { kind: 'ssh'; address: string; user: string | null; port: number | null };

const IPV4 = 0;

/** IPv4 addresses per NIC, link-local and loopback left out (nobody can ssh to those from outside). */
export function addressesOf(ifaces: readonly DomainInterface[], source: Address['source']): Address[] {
  return ifaces.flatMap((i) =>
    i.addrs
      .filter((a) => a.type === IPV4 && !a.addr.startsWith('127.') && !a.addr.startsWith('169.254.'))
      .map((a) => ({ nic: i.name, mac: (i.hwaddr ?? '').toLowerCase(), ip: a.addr, source })),
  );
}

/**
 * The command to paste into a terminal. A NIC on a libvirt network (NAT, routed, isolated) is
 * reached through the host as ProxyJump; a NIC on a host bridge or macvtap is on the LAN already.
 */
export function sshCommandFor(addresses: readonly Address[], nics: readonly DomainNic[], jump: Jump): SshCommand {
  const first = addresses[0];
  if (!first) return { command: null, addresses: [], reason: 'No address known: the guest agent is not running and no DHCP lease was found' };
  const nic = nics.find((n) => n.mac?.toLowerCase() === first.mac);
  const behindHost = jump.kind === 'ssh' && (nic?.type ?? 'network') === 'network';
  if (!behindHost || jump.kind !== 'ssh') return { command: `ssh ${first.ip}`, addresses: [...addresses], reason: null };
  const hop = `${jump.user ? `${jump.user}@` : ''}${jump.address}${jump.port && jump.port !== 22 ? `:${jump.port}` : ''}`;
  return { command: `ssh -J ${shellQuoteArg(hop)} ${first.ip}`, addresses: [...addresses], reason: null };
}

/** Agent first (it knows every NIC), then the libvirt network's DHCP leases. */
export async function lookupAddresses(query: (source: number) => Promise<DomainInterface[]>): Promise<Address[]> {
  const agent = await query(1).then((r) => addressesOf(r, 'agent')).catch((err: unknown) => {
    if (HangarError.from(err).code === 'CANCELLED') throw err;
    return [];
  });
  if (agent.length) return agent;
  return query(0).then((r) => addressesOf(r, 'lease')).catch(() => []);
}
