import { attr, list, node, readXml, text } from './parse';

export interface NetworkIp {
  family: 'ipv4' | 'ipv6';
  address: string;
  /** The prefix length, from `prefix` or from an IPv4 `netmask`. */
  prefix: number | null;
  dhcpRanges: Array<{ start: string; end: string }>;
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

const ARRAY_TAGS = new Set(['ip', 'range']);

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
    })),
  };
}
