import { InterfaceAddressesSource, type DomainRef, type LibvirtConnection } from '../libvirt';
import { agentAddresses, orderAddresses } from '../inventory/guest-addresses';

/**
 * A new VM's first address that is not link-local (169.254/16, fe80::/10), asked of libvirt each
 * round: the network's DHCP lease (every round), ARP (every round), the guest agent (every third
 * round, it is slower and often absent). IPv4 first. Null until there is one.
 */
export async function probeAddress(conn: LibvirtConnection, dom: DomainRef, round: number): Promise<string | null> {
  const ask = async (source: number) => {
    try {
      const ifaces = await conn.domainInterfaceAddresses(dom, source);
      return source === InterfaceAddressesSource.AGENT ? agentAddresses(ifaces) : orderAddresses(ifaces.flatMap((i) => i.addrs.map((a) => a.addr)));
    } catch {
      return [];
    }
  };
  const [lease, arp] = await Promise.all([ask(InterfaceAddressesSource.LEASE), ask(InterfaceAddressesSource.ARP)]);
  const found = [...lease, ...arp];
  if (!found.length && round % 3 === 2) found.push(...(await ask(InterfaceAddressesSource.AGENT)));
  return orderAddresses(found)[0] ?? null;
}

/**
 * Polls until an address shows, the timeout passes (null) or the signal aborts (throws). The
 * connection is asked for each round: a host that reconnects meanwhile is asked on its new one.
 */
export async function waitForAddress(connOf: () => LibvirtConnection, uuid: string, timeoutMs: number, signal: AbortSignal, intervalMs = 1000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    signal.throwIfAborted();
    try {
      const conn = connOf();
      const dom: DomainRef = await conn.domainLookupByUuid(uuid);
      const ip = await probeAddress(conn, dom, round);
      if (ip) return ip;
    } catch {
      // The host is away for a moment (reconnecting): the next round asks again.
    }
    if (Date.now() >= deadline) return null;
    await new Promise<void>((resolve) => {
      // One listener at a time: a round that ends by its timer takes its own off the signal.
      const onAbort = () => (clearTimeout(t), resolve());
      const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), Math.min(intervalMs, Math.max(0, deadline - Date.now())));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
