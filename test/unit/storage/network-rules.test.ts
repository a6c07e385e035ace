import { describe, expect, it } from 'vitest';
import { CreateNetworkParams, type Network } from '../../../engine/contract';
import { HangarError, paramIssuesOf } from '../../../engine/contract/errors';
import { overlaps, parseCidr } from '../../../engine/networks/ipv4';
import { validateNetwork } from '../../../engine/networks/validate-network';
import { buildNetworkXml, readNetworkXml } from '../../../engine/xml/network';
import { buildPoolXml, readPoolXml } from '../../../engine/xml/pool';
import { poolUsers, volumeUsers, type DiskUser } from '../../../engine/storage/storage-users';

const other = (name: string, subnet: string): Network => ({ id: `h/${name}`, hostId: 'h', name, uuid: 'u', active: true, autostart: true, mode: 'nat', bridge: null, subnet, address: null, dhcpRange: null, reservations: [], leaseMinutes: null });
const params = (p: Record<string, unknown>) => CreateNetworkParams.parse({ hostId: 'h', name: 'n1', mode: 'nat', ...p });
const refusal = (fn: () => unknown): HangarError => {
  try {
    fn();
  } catch (e) {
    return e as HangarError;
  }
  throw new Error('expected a refusal');
};

describe('IPv4 subnets', () => {
  it('reads CIDR, clearing host bits, and tells overlaps', () => {
    expect(parseCidr('10.0.0.5/24')).toMatchObject({ network: '10.0.0.0', prefix: 24 });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('300.0.0.0/24')).toBeNull();
    expect(overlaps(parseCidr('192.168.122.0/24')!, parseCidr('192.168.122.128/25')!)).toBe(true);
    expect(overlaps(parseCidr('192.168.122.0/24')!, parseCidr('192.168.123.0/24')!)).toBe(false);
    expect(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.200.1.0/24')!)).toBe(true);
  });
});

describe('a new network is checked at its fields', () => {
  it('refuses a subnet that overlaps another network on the host, naming it', () => {
    const e = refusal(() => validateNetwork(params({ subnet: '192.168.122.128/25' }), [other('default', '192.168.122.0/24')]));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(paramIssuesOf(e).map((i) => i.path)).toEqual(['subnet']);
    expect(e.details?.['messages']).toEqual({ subnet: { key: 'net.err.overlap', args: { subnet: '192.168.122.128/25', other: 'default', otherSubnet: '192.168.122.0/24' } } });
  });
  it('refuses a DHCP range outside the subnet, on the host address, or backwards; reservations likewise', () => {
    const e = refusal(() =>
      validateNetwork(params({ subnet: '10.1.2.0/24', dhcp: { start: '10.1.3.10', end: '10.1.2.1' }, reservations: [{ mac: '52:54:00:00:00:01', ip: '10.1.9.9' }, { mac: '52:54:00:00:00:01', ip: '10.1.2.20' }] }), []),
    );
    expect(paramIssuesOf(e).map((i) => i.path)).toEqual(['dhcp.start', 'dhcp.end', 'reservations.0.ip', 'reservations.1.mac']);
    const back = refusal(() => validateNetwork(params({ subnet: '10.1.2.0/24', dhcp: { start: '10.1.2.90', end: '10.1.2.10' } }), []));
    expect(paramIssuesOf(back).map((i) => i.path)).toEqual(['dhcp.end']);
  });
  it('refuses a network with no subnet (not bridged) and a bridged one with no bridge', () => {
    expect(paramIssuesOf(refusal(() => validateNetwork(params({}), []))).map((i) => i.path)).toEqual(['subnet']);
    expect(paramIssuesOf(refusal(() => validateNetwork(params({ mode: 'bridge' }), []))).map((i) => i.path)).toEqual(['bridge']);
  });
  it('gives the host the first address and writes range, lease and reservations that read back the same', () => {
    const spec = validateNetwork(params({ subnet: '10.1.2.0/24', dhcp: { start: '10.1.2.100', end: '10.1.2.199' }, reservations: [{ mac: '52:54:00:AB:00:01', ip: '10.1.2.50', name: 'web' }], leaseMinutes: 30 }), [other('default', '192.168.122.0/24')]);
    const xml = buildNetworkXml(spec);
    expect(xml).toContain("<forward mode='nat'/>");
    const read = readNetworkXml(xml);
    expect(read.ips[0]).toMatchObject({ address: '10.1.2.1', prefix: 24, dhcpRanges: [{ start: '10.1.2.100', end: '10.1.2.199' }], dhcpHosts: [{ mac: '52:54:00:ab:00:01', ip: '10.1.2.50', name: 'web' }], leaseMinutes: 30 });
  });
  it('writes isolated without <forward> and bridged onto the host bridge', () => {
    expect(buildNetworkXml(validateNetwork(params({ mode: 'isolated', subnet: '10.9.0.0/16' }), []))).not.toContain('<forward');
    const bridged = readNetworkXml(buildNetworkXml(validateNetwork(params({ mode: 'bridge', bridge: 'br0' }), [])));
    expect(bridged).toMatchObject({ forwardMode: 'bridge', bridge: 'br0', ips: [] });
  });
});

describe('pool XML and who uses a pool', () => {
  it('writes the four kinds of pool and reads their source back', () => {
    expect(readPoolXml(buildPoolXml({ type: 'netfs', name: 'nfs', sourceHost: 'nas', sourcePath: '/export/vms', targetPath: '/mnt/vms' }))).toMatchObject({ type: 'netfs', targetPath: '/mnt/vms', source: 'nas:/export/vms' });
    expect(readPoolXml(buildPoolXml({ type: 'logical', name: 'vg', vgName: 'vg0', devices: ['/dev/sdb'] }))).toMatchObject({ type: 'logical', targetPath: '/dev/vg0', source: '/dev/sdb → vg0' });
    expect(readPoolXml(buildPoolXml({ type: 'iscsi', name: 'i', sourceHost: '10.0.0.9', iqn: 'iqn.2024-01.com.example:t1' }))).toMatchObject({ type: 'iscsi', source: '10.0.0.9 iqn.2024-01.com.example:t1' });
    // Names are escaped by the builder, never spliced.
    expect(buildPoolXml({ type: 'dir', name: "a'<b", targetPath: '/x' })).toContain("<name>a'&lt;b</name>");
  });
  it('counts a VM whose disk is a file under the target or a volume of the pool; a sibling directory is not inside', () => {
    const users: DiskUser[] = [
      { vmId: '1', name: 'a', active: false, sources: new Set(['/var/lib/libvirt/images/a.qcow2']) },
      { vmId: '2', name: 'b', active: true, sources: new Set(['default/b.qcow2']) },
      { vmId: '3', name: 'c', active: false, sources: new Set(['/var/lib/libvirt/images2/c.qcow2']) },
    ];
    expect(poolUsers(users, 'default', '/var/lib/libvirt/images').map((u) => u.name)).toEqual(['a', 'b']);
    expect(volumeUsers(users, 'default', 'b.qcow2', '/var/lib/libvirt/images/b.qcow2').map((u) => u.name)).toEqual(['b']);
  });
});
