import { isIP } from 'node:net';
import type { SshCommand } from '../contract/console';
import { HangarError } from '../contract/errors';
import type { DomainNic } from '../xml/domain-read';
import type { DomainInterface } from '../libvirt';
import { displayText } from '../common/untrusted-text';
import { shellQuoteArg } from '../ssh';

type Address = SshCommand['addresses'][number];
type Jump = { kind: 'local' } | { kind: 'ssh'; address: string; user: string | null; port: number | null };

const IPV4 = 0;

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * An IPv4 address as node:net reads one, or null. Everything here comes from the guest agent,
 * which a compromised guest controls: `1.2.3.4;touch /tmp/x` or `-oProxyCommand=sh` must never
 * reach the pasted command, so only what parses as an address passes (a `/24` suffix is dropped).
 */
function ipv4(reported: string): string | null {
  const addr = reported.replace(/\/\d{1,2}$/, '');
  return isIP(addr) === 4 ? addr : null;
}

/** IPv4 addresses per NIC, link-local and loopback left out (nobody can ssh to those from outside). */
export function addressesOf(ifaces: readonly DomainInterface[], source: Address['source']): Address[] {
  return ifaces.flatMap((i) => {
    const mac = (i.hwaddr ?? '').toLowerCase();
    return i.addrs
      .filter((a) => a.type === IPV4)
      .map((a) => ipv4(a.addr))
      .filter((ip): ip is string => ip !== null && !ip.startsWith('127.') && !ip.startsWith('169.254.'))
      .map((ip) => ({ nic: displayText(i.name), mac: MAC.test(mac) ? mac : '', ip, source }));
  });
}

/**
 * The command to paste into a terminal. A NIC on a libvirt network (NAT, routed, isolated) is
 * reached through the host as ProxyJump; a NIC on a host bridge or macvtap is on the LAN already.
 */
export function sshCommandFor(addresses: readonly Address[], nics: readonly DomainNic[], jump: Jump): SshCommand {
  const usable = addresses.filter((a) => ipv4(a.ip) === a.ip);
  const first = usable[0];
  if (!first) return { command: null, addresses: [], reason: 'No address known: the guest agent is not running and no DHCP lease was found' };
  const nic = nics.find((n) => n.mac?.toLowerCase() === first.mac);
  const behindHost = jump.kind === 'ssh' && (nic?.type ?? 'network') === 'network';
  // Every reported or configured word is quoted; `--` ends ssh's options, so the destination is a
  // positional argument whatever it looks like. The constant words stay bare for the person reading it.
  const ip = shellQuoteArg(first.ip);
  if (!behindHost || jump.kind !== 'ssh') return { command: `ssh -- ${ip}`, addresses: usable, reason: null };
  const hop = `${jump.user ? `${jump.user}@` : ''}${jump.address}${jump.port && jump.port !== 22 ? `:${jump.port}` : ''}`;
  return { command: `ssh -J ${shellQuoteArg(hop)} -- ${ip}`, addresses: usable, reason: null };
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
