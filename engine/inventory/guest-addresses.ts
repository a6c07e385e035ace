/**
 * The guests' IP addresses for the VM list (issue 19), kept in the inventory: each round asks a
 * host for its active networks' DHCP leases (one call per network, not per VM), and asks the
 * guest agent only of running VMs that have an agent channel, every few rounds and when the
 * agent connects. Guests are hostile: only strings node's isIP accepts are ever kept.
 */
import { isIP } from 'node:net';
import { AgentLifecycleState, InterfaceAddressesSource, ListActiveFlag, type DhcpLease, type DomainInterface, type LibvirtConnection, type LibvirtEvent } from '../libvirt';
import type { Logger } from '../logger';
import type { VmInventory } from './vm-inventory';

/** The agent is asked every this many rounds (leases every round). */
const AGENT_EVERY = 6;
const MAX_ADDRESSES = 16;

/** An address someone could reach the guest on: loopback, link-local and unspecified left out. */
export function usableAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return !ip.startsWith('127.') && !ip.startsWith('169.254.') && ip !== '0.0.0.0';
  if (v === 6) {
    const l = ip.toLowerCase();
    return l !== '::1' && l !== '::' && !l.startsWith('fe80:');
  }
  return false;
}

/** IPv4 before IPv6, each once, in the order given, bounded. */
export function orderAddresses(ips: Iterable<string>): string[] {
  const ok = [...new Set([...ips].filter(usableAddress))];
  return [...ok.filter((i) => isIP(i) === 4), ...ok.filter((i) => isIP(i) === 6)].slice(0, MAX_ADDRESSES);
}

/** Unexpired leases by lower-case MAC, newest expiry first. */
export function leasesByMac(leases: readonly DhcpLease[], nowSec: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const live = leases.filter((l) => l.mac && (Number(l.expirytime) === 0 || Number(l.expirytime) > nowSec));
  live.sort((a, b) => Number(b.expirytime) - Number(a.expirytime));
  for (const l of live) {
    const mac = (l.mac as string).toLowerCase();
    const list = out.get(mac) ?? [];
    list.push(l.ipaddr);
    out.set(mac, list);
  }
  return out;
}

/** What the agent reports, loopback interface left out. */
export function agentAddresses(ifaces: readonly DomainInterface[]): string[] {
  return orderAddresses(ifaces.filter((i) => i.name !== 'lo').flatMap((i) => i.addrs.map((a) => a.addr)));
}

interface HostLoop {
  conn: LibvirtConnection;
  round: number;
  timer: NodeJS.Timeout | null;
  stopped: boolean;
}

export class GuestAddresses {
  private readonly loops = new Map<string, HostLoop>();
  /** What each VM's agent last said, by VM id; absent when it does not answer. */
  private readonly agent = new Map<string, string[]>();

  constructor(
    private readonly inventory: VmInventory,
    private readonly logger: Logger,
    private readonly intervalMs: () => number,
  ) {}

  hostConnected(hostId: string, conn: LibvirtConnection): void {
    this.hostLost(hostId);
    const loop: HostLoop = { conn, round: 0, timer: null, stopped: false };
    this.loops.set(hostId, loop);
    this.schedule(hostId, loop, 1000);
  }

  hostLost(hostId: string): void {
    const loop = this.loops.get(hostId);
    if (!loop) return;
    loop.stopped = true;
    if (loop.timer) clearTimeout(loop.timer);
    this.loops.delete(hostId);
  }

  onEvent(hostId: string, ev: LibvirtEvent): void {
    if (ev.kind !== 'domain-agent-lifecycle' || ev.state !== AgentLifecycleState.CONNECTED) return;
    const loop = this.loops.get(hostId);
    if (loop) void this.askAgent(hostId, loop, [ev.dom.uuid]).then(() => this.apply(hostId, null));
  }

  close(): void {
    for (const id of [...this.loops.keys()]) this.hostLost(id);
  }

  private schedule(hostId: string, loop: HostLoop, ms: number): void {
    loop.timer = setTimeout(() => {
      void this.round(hostId, loop)
        .catch((err: unknown) => this.logger.warn('guest address round failed', { hostId, error: String(err) }))
        .finally(() => {
          if (!loop.stopped) this.schedule(hostId, loop, this.intervalMs());
        });
    }, ms);
    loop.timer.unref?.();
  }

  private running(hostId: string) {
    return this.inventory.vms.values().filter((v) => v.hostId === hostId && (v.state === 'running' || v.state === 'paused'));
  }

  private async round(hostId: string, loop: HostLoop): Promise<void> {
    // Nothing runs, nothing has an address: no call at all (addresses clear as VMs stop).
    if (!this.running(hostId).length) return;
    const nets = await loop.conn.listAllNetworks(ListActiveFlag.ACTIVE);
    const leases = (await Promise.all(nets.map((n) => loop.conn.networkGetDhcpLeases(n).catch(() => [] as DhcpLease[])))).flat();
    if (loop.round++ % AGENT_EVERY === 0) {
      const withAgent = new Set(this.inventory.summariesOn(hostId).filter((s) => s.agentChannel).map((s) => s.uuid));
      await this.askAgent(hostId, loop, this.running(hostId).filter((v) => withAgent.has(v.uuid)).map((v) => v.uuid));
    }
    if (!loop.stopped) this.apply(hostId, leasesByMac(leases, Date.now() / 1000));
  }

  /** Pipelined on the host's connection; a guest whose agent does not answer just has none. */
  private async askAgent(hostId: string, loop: HostLoop, uuids: string[]): Promise<void> {
    await Promise.all(
      uuids.map(async (uuid) => {
        const id = uuid; // the VM's id (DESIGN §8)
        try {
          const dom = await loop.conn.domainLookupByUuid(uuid);
          const ips = agentAddresses(await loop.conn.domainInterfaceAddresses(dom, InterfaceAddressesSource.AGENT));
          if (ips.length) this.agent.set(id, ips);
          else this.agent.delete(id);
        } catch {
          this.agent.delete(id);
        }
      }),
    );
  }

  /** Agent first (it knows every NIC), else the leases of the VM's NICs in their order. */
  private apply(hostId: string, byMac: Map<string, string[]> | null): void {
    const macs = new Map(this.inventory.summariesOn(hostId).map((s) => [s.uuid, s.nics.map((n) => n.mac?.toLowerCase()).filter((m): m is string => !!m)]));
    for (const vm of this.running(hostId)) {
      const fromAgent = this.agent.get(vm.id);
      // An agent event between rounds has no leases at hand (null): keep what the VM shows then.
      const fromLeases = byMac ? orderAddresses((macs.get(vm.uuid) ?? []).flatMap((m) => byMac.get(m) ?? [])) : vm.addresses;
      const next = fromAgent ?? fromLeases;
      this.inventory.setAddresses(vm.id, next);
    }
  }
}
