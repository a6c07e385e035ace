import { describe, expect, it } from 'vitest';
import { agentAddresses, leasesByMac, orderAddresses, usableAddress } from '../../../engine/inventory/guest-addresses';
import { stateReason } from '../../../engine/inventory/display-state';
import { parseDomainXml } from '../../../engine/xml/domain-read';
import type { DhcpLease } from '../../../engine/libvirt';

const lease = (mac: string | null, ipaddr: string, expirytime: number): DhcpLease =>
  ({ iface: 'virbr0', expirytime, type: 0, mac, iaid: null, ipaddr, prefix: 24, hostname: null, clientid: null }) as DhcpLease;

describe('guest addresses (issue 19)', () => {
  it('keeps only what isIP accepts, from a hostile guest', () => {
    for (const bad of ['<img src=x>', '10.0.0.1; rm -rf /', '1.2.3', '', ' 10.0.0.1', '10.0.0.1\n', 'fe80::1%eth0', '999.1.1.1']) expect(usableAddress(bad)).toBe(false);
    for (const unusable of ['127.0.0.1', '169.254.3.4', '0.0.0.0', '::1', '::', 'fe80::1']) expect(usableAddress(unusable)).toBe(false);
    expect(usableAddress('192.168.122.5')).toBe(true);
    expect(usableAddress('2001:db8::5')).toBe(true);
  });

  it('orders IPv4 before IPv6, once each, bounded', () => {
    expect(orderAddresses(['2001:db8::1', '10.0.0.2', '10.0.0.2', 'junk', '10.0.0.3'])).toEqual(['10.0.0.2', '10.0.0.3', '2001:db8::1']);
    expect(orderAddresses(Array.from({ length: 40 }, (_, i) => `10.0.1.${i + 1}`))).toHaveLength(16);
  });

  it('maps unexpired leases by MAC, newest first', () => {
    const m = leasesByMac([lease('52:54:00:AA:00:01', '10.0.0.5', 100), lease('52:54:00:aa:00:01', '10.0.0.6', 200), lease('52:54:00:aa:00:02', '10.0.0.7', 50), lease(null, '10.0.0.8', 300)], 60);
    expect(m.get('52:54:00:aa:00:01')).toEqual(['10.0.0.6', '10.0.0.5']);
    expect(m.has('52:54:00:aa:00:02')).toBe(false);
    expect(m.size).toBe(1);
  });

  it('drops the agent loopback interface and bad values', () => {
    const ifaces = [
      { name: 'lo', hwaddr: null, addrs: [{ type: 0, addr: '127.0.0.1', prefix: 8 }] },
      { name: 'eth0', hwaddr: '52:54:00:aa:00:01', addrs: [{ type: 1, addr: 'fe80::5054:ff:feaa:1', prefix: 64 }, { type: 0, addr: '10.0.0.9', prefix: 24 }, { type: 0, addr: '"><script>', prefix: 24 }] },
    ];
    expect(agentAddresses(ifaces)).toEqual(['10.0.0.9']);
  });
});

describe("libvirt's state reasons", () => {
  it('says why, in virsh words, and nothing when libvirt does not know', () => {
    expect(stateReason(1, 1)).toBe('booted');
    expect(stateReason(5, 2)).toBe('destroyed');
    expect(stateReason(3, 1)).toBe('user');
    expect(stateReason(1, 0)).toBeNull();
    expect(stateReason(1, 99)).toBeNull();
  });
});

describe('platform facts from the domain XML', () => {
  const xml = (cpu: string) => `<domain type='qemu'><name>x</name><uuid>u</uuid><memory>1024</memory><vcpu>1</vcpu><os><type machine='pc-q35-7.2'>hvm</type></os>${cpu}<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>`;
  it('reads machine, emulator, CPU model and the agent channel', () => {
    const d = parseDomainXml(xml(`<cpu mode='custom'><model fallback='allow'>qemu64</model></cpu>`));
    expect(d).toMatchObject({ type: 'qemu', machine: 'pc-q35-7.2', emulator: '/usr/bin/qemu-system-x86_64', cpuModel: 'qemu64', agentChannel: true });
    expect(parseDomainXml(xml(`<cpu mode='host-passthrough'/>`)).cpuModel).toBe('host-passthrough');
    expect(parseDomainXml(xml('')).cpuModel).toBeNull();
  });
});
