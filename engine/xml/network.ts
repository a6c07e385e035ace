import { el, renderXml } from './build';
import { attr, list, node, readXml, text } from './parse';

export interface NetworkIp {
  family: 'ipv4' | 'ipv6';
  address: string;
  /** The prefix length, from `prefix` or from an IPv4 `netmask`. */
  prefix: number | null;
  dhcpRanges: Array<{ start: string; end: string }>;
  /** Static reservations (`<dhcp><host mac ip name/>`). */
  dhcpHosts: Array<{ mac: string; ip: string; name?: string }>;
  /** The first range's lease time in minutes, when one is written. */
  leaseMinutes: number | null;
}

/** A virtual network as libvirt describes it (networkGetXMLDesc). */
export interface NetworkInfo {
  name: string;
  uuid: string | null;
  /** nat, route, bridge, open…; null for an isolated network. */
  forwardMode: string | null;
  bridge: string | null;
  ips: NetworkIp[];
}

const ARRAY_TAGS = new Set(['ip', 'range', 'host']);

function prefixOf(ip: Record<string, unknown>): number | null {
  const p = attr(ip, 'prefix');
  if (p !== null) return Number(p);
  const mask = attr(ip, 'netmask');
  if (!mask) return null;
  return mask.split('.').reduce((bits, octet) => bits + (Number(octet) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

export function readNetworkXml(xml: string): NetworkInfo {
  const n = node(readXml(xml, 'network', ARRAY_TAGS).network);
  const forward = n.forward === undefined ? null : node(n.forward);
  return {
    name: text(n.name) ?? '',
    uuid: text(n.uuid),
    // A <forward/> without a mode is NAT (libvirt's default).
    forwardMode: forward ? (attr(forward, 'mode') ?? 'nat') : null,
    bridge: attr(node(n.bridge), 'name'),
    ips: list(n.ip).map((ip) => ({
      family: attr(ip, 'family') === 'ipv6' ? 'ipv6' : 'ipv4',
      address: attr(ip, 'address') ?? '',
      prefix: prefixOf(ip),
      dhcpRanges: list(node(ip.dhcp).range).map((r) => ({ start: attr(r, 'start') ?? '', end: attr(r, 'end') ?? '' })),
      dhcpHosts: list(node(ip.dhcp).host)
        .filter((h) => attr(h, 'ip'))
        .map((h) => {
          const name = attr(h, 'name');
          return { mac: attr(h, 'mac') ?? '', ip: attr(h, 'ip') ?? '', ...(name ? { name } : {}) };
        }),
      leaseMinutes: leaseMinutesOf(list(node(ip.dhcp).range)[0]),
    })),
  };
}

const LEASE_UNIT_MINUTES: Record<string, number> = { seconds: 1 / 60, minutes: 1, hours: 60 };

function leaseMinutesOf(range: Record<string, unknown> | undefined): number | null {
  const lease = node(range?.lease);
  const expiry = attr(lease, 'expiry');
  if (expiry === null) return null;
  return Number(expiry) * (LEASE_UNIT_MINUTES[attr(lease, 'unit') ?? 'minutes'] ?? 1);
}

/** What Hangar creates: the form's fields, already validated (the subnet is split into address and prefix). */
export interface NetworkSpec {
  name: string;
  mode: 'nat' | 'route' | 'isolated' | 'bridge';
  /** bridge mode: the host's existing bridge. */
  bridge?: string;
  /** The host's address in the subnet and the prefix length; absent for bridge mode. */
  ip?: { address: string; prefix: number; dhcp: { start: string; end: string } | null; hosts: ReadonlyArray<{ mac: string; ip: string; name?: string }>; leaseMinutes?: number };
}

/**
 * A network as virt-manager writes each mode: NAT and routed forward through the host, isolated has
 * no <forward>, bridged hands guests to an existing host bridge (no addresses of libvirt's own).
 */
export function buildNetworkXml(n: NetworkSpec): string {
  if (n.mode === 'bridge') {
    return renderXml(el('network', {}, el('name', {}, n.name), el('forward', { mode: 'bridge' }), el('bridge', { name: n.bridge ?? 'br0' })));
  }
  const ip = n.ip;
  const dhcp = ip && (ip.dhcp || ip.hosts.length > 0)
    ? el(
        'dhcp',
        {},
        ip.dhcp ? el('range', { start: ip.dhcp.start, end: ip.dhcp.end }, ip.leaseMinutes ? el('lease', { expiry: ip.leaseMinutes, unit: 'minutes' }) : null) : null,
        ...ip.hosts.map((h) => el('host', { mac: h.mac.toLowerCase(), name: h.name || undefined, ip: h.ip })),
      )
    : null;
  return renderXml(
    el(
      'network',
      {},
      el('name', {}, n.name),
      n.mode === 'isolated' ? null : el('forward', { mode: n.mode }),
      el('bridge', { stp: 'on', delay: 0 }),
      ip ? el('ip', { address: ip.address, prefix: ip.prefix }, dhcp) : null,
    ),
  );
}
