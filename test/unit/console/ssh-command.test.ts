import { describe, expect, it } from 'vitest';
import { addressesOf, sshCommandFor } from '../../../engine/console/ssh-command';

const nic = (mac: string, type = 'network') => ({ mac, type, source: 'default', model: 'virtio', linkUp: true });
const ifaces = [
  { name: 'lo', hwaddr: '00:00:00:00:00:00', addrs: [{ type: 0, addr: '127.0.0.1', prefix: 8 }] },
  { name: 'eth0', hwaddr: '52:54:00:AA:BB:CC', addrs: [{ type: 0, addr: '192.168.122.50', prefix: 24 }, { type: 1, addr: 'fe80::1', prefix: 64 }] },
];

describe('Copy SSH command', () => {
  it('keeps the reachable IPv4 addresses only', () => {
    expect(addressesOf(ifaces, 'agent')).toEqual([{ nic: 'eth0', mac: '52:54:00:aa:bb:cc', ip: '192.168.122.50', source: 'agent' }]);
  });

  it('jumps through the host for a NIC on a libvirt network', () => {
    const r = sshCommandFor(addressesOf(ifaces, 'lease'), [nic('52:54:00:aa:bb:cc')], { kind: 'ssh', address: '10.66.0.11', user: 'root', port: 2222 });
    expect(r.command).toBe('ssh -J root@10.66.0.11:2222 192.168.122.50');
  });

  it('goes direct for a bridged NIC or the local host', () => {
    const a = addressesOf(ifaces, 'lease');
    expect(sshCommandFor(a, [nic('52:54:00:aa:bb:cc', 'bridge')], { kind: 'ssh', address: 'h', user: null, port: null }).command).toBe('ssh 192.168.122.50');
    expect(sshCommandFor(a, [nic('52:54:00:aa:bb:cc')], { kind: 'local' }).command).toBe('ssh 192.168.122.50');
  });

  it('says why when there is no address', () => {
    const r = sshCommandFor([], [], { kind: 'local' });
    expect(r.command).toBeNull();
    expect(r.reason).toMatch(/guest agent/);
  });
});
