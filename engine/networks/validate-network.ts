import { HangarError, type ParamIssue } from '../contract/errors';
import type { Message } from '../contract/message';
import type { CreateNetworkParams, Network } from '../contract/networks';
import type { NetworkSpec } from '../xml/network';
import { intToIp, ipToInt, overlaps, parseCidr, usableIn } from './ipv4';

interface Problem {
  path: string;
  hint: string;
  message: Message;
}

/**
 * Checks a new network against itself and the host's other networks, and turns it into what the
 * XML builder writes. Every problem is reported at its field (INVALID_PARAMS issues, with the
 * words for the form in `details.messages`), all at once.
 */
export function validateNetwork(p: CreateNetworkParams, others: readonly Network[]): NetworkSpec {
  const problems: Problem[] = [];
  const add = (path: string, hint: string, message: Message) => problems.push({ path, hint, message });
  if (others.some((n) => n.name === p.name)) add('name', 'this host already has a network by that name', { key: 'net.err.nameTaken', args: { name: p.name } });
  if (p.mode === 'bridge') {
    if (!p.bridge) add('bridge', 'the host bridge to attach to is required', { key: 'net.err.bridgeRequired' });
    finish(problems);
    return { name: p.name, mode: 'bridge', bridge: p.bridge! };
  }
  const subnet = p.subnet ? parseCidr(p.subnet) : null;
  if (!p.subnet) add('subnet', 'a subnet is required', { key: 'net.err.subnetRequired' });
  else if (!subnet || subnet.prefix < 8 || subnet.prefix > 30) add('subnet', 'a subnet with a prefix of /8 to /30', { key: 'net.err.subnetPrefix' });
  if (!subnet || problems.some((x) => x.path === 'subnet')) return fail(problems);
  const cidr = `${subnet.network}/${subnet.prefix}`;
  for (const o of others) {
    const os = o.subnet ? parseCidr(o.subnet) : null;
    if (os && overlaps(subnet, os)) add('subnet', `overlaps ${o.subnet} of network ${o.name}`, { key: 'net.err.overlap', args: { subnet: cidr, other: o.name, otherSubnet: o.subnet! } });
  }
  const gateway = subnet.first + 1;
  const inside = (path: string, ip: string): number | null => {
    const n = ipToInt(ip);
    if (n === null || !usableIn(subnet, n)) {
      add(path, `${ip} is outside ${cidr}`, { key: 'net.err.outsideSubnet', args: { ip, subnet: cidr } });
      return null;
    }
    if (n === gateway) {
      add(path, `${ip} is the host's own address in ${cidr}`, { key: 'net.err.gateway', args: { ip } });
      return null;
    }
    return n;
  };
  if (p.dhcp) {
    const s = inside('dhcp.start', p.dhcp.start);
    const e = inside('dhcp.end', p.dhcp.end);
    if (s !== null && e !== null && s > e) add('dhcp.end', 'the range ends before it starts', { key: 'net.err.rangeOrder' });
  }
  const macs = new Set<string>();
  const ips = new Set<string>();
  p.reservations.forEach((r, i) => {
    inside(`reservations.${i}.ip`, r.ip);
    if (macs.has(r.mac.toLowerCase())) add(`reservations.${i}.mac`, 'this MAC address is reserved twice', { key: 'net.err.duplicateMac', args: { mac: r.mac } });
    if (ips.has(r.ip)) add(`reservations.${i}.ip`, 'this address is reserved twice', { key: 'net.err.duplicateIp', args: { ip: r.ip } });
    macs.add(r.mac.toLowerCase());
    ips.add(r.ip);
  });
  finish(problems);
  return {
    name: p.name,
    mode: p.mode,
    ip: { address: intToIp(gateway), prefix: subnet.prefix, dhcp: p.dhcp, hosts: p.reservations, ...(p.leaseMinutes ? { leaseMinutes: p.leaseMinutes } : {}) },
  };
}

function finish(problems: Problem[]): void {
  if (problems.length > 0) fail(problems);
}

function fail(problems: Problem[]): never {
  const issues: ParamIssue[] = problems.map((x) => ({ path: x.path, rule: 'other', hint: x.hint }));
  const messages: Record<string, Message> = {};
  for (const x of problems) messages[x.path] ??= x.message;
  throw new HangarError('INVALID_PARAMS', problems.map((x) => `${x.path}: ${x.hint}`).join('; '), { issues, messages });
}

