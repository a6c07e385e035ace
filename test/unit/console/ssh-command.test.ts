import { execFileSync } from 'node:child_process';
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
    expect(r.command).toBe('ssh -J root@10.66.0.11:2222 -- 192.168.122.50');
  });

  it('goes direct for a bridged NIC or the local host', () => {
    const a = addressesOf(ifaces, 'lease');
    expect(sshCommandFor(a, [nic('52:54:00:aa:bb:cc', 'bridge')], { kind: 'ssh', address: 'h', user: null, port: null }).command).toBe('ssh -- 192.168.122.50');
    expect(sshCommandFor(a, [nic('52:54:00:aa:bb:cc')], { kind: 'local' }).command).toBe('ssh -- 192.168.122.50');
  });

  describe('treats what the guest agent reports as hostile', () => {
    const agent = (addr: string, name = 'eth0', hwaddr: string | null = '52:54:00:aa:bb:cc') => [{ name, hwaddr, addrs: [{ type: 0, addr, prefix: 24 }] }];
    const jump = { kind: 'ssh', address: '10.66.0.11', user: 'root', port: null } as const;
    const HOSTILE_ADDRS = [
      '1.2.3.4;touch /tmp/x',
      '1.2.3.4 && touch /tmp/x',
      '$(touch /tmp/x)',
      '`touch /tmp/x`',
      '-oProxyCommand=sh',
      '-oProxyCommand=touch /tmp/x',
      '1.2.3.4\ntouch /tmp/x',
      '1.2.3.4\rtouch /tmp/x',
      '1.2.3.4\u0000',
      '１.２.３.４', // fullwidth digits
      '1.2.3.4\u202e', // right-to-left override
      '1.2.3.4\u200b', // zero-width space
      '1.2.3.4/24',
      '192.168.122.500',
      'example.com',
      '',
    ];
    it.each(HOSTILE_ADDRS)('drops the address %j', (addr) => {
      const found = addressesOf(agent(addr), 'agent');
      expect(found).toEqual(addr === '1.2.3.4/24' ? [expect.objectContaining({ ip: '1.2.3.4' })] : []);
      const r = sshCommandFor(found, [nic('52:54:00:aa:bb:cc')], jump);
      if (r.command !== null) expect(r.command).toBe('ssh -J root@10.66.0.11 -- 1.2.3.4');
    });

    it('never lets a hostile address reach the pasted command, even handed in directly', () => {
      for (const ip of HOSTILE_ADDRS) {
        const r = sshCommandFor([{ nic: 'eth0', mac: '52:54:00:aa:bb:cc', ip, source: 'agent' }], [nic('52:54:00:aa:bb:cc')], jump);
        expect(r.command).toBeNull();
      }
    });

    it('the pasted command runs nothing but ssh in a real shell', () => {
      const r = sshCommandFor([{ nic: 'eth0', mac: '52:54:00:aa:bb:cc', ip: '10.0.0.7', source: 'agent' }], [nic('52:54:00:aa:bb:cc')], { kind: 'ssh', address: "h;touch /tmp/x", user: "$(id)", port: 2200 });
      const argv = execFileSync('/bin/sh', ['-c', r.command!.replace(/^ssh /, "printf '%s\\0' ")]).toString().split('\0').slice(0, -1);
      expect(argv).toEqual(['-J', '$(id)@h;touch /tmp/x:2200', '--', '10.0.0.7']);
    });

    it('strips control and invisible characters from NIC names and drops malformed MACs before the UI sees them', () => {
      const [a] = addressesOf(agent('10.0.0.7', 'eth0\u001b[31m\u202e\n' + 'x'.repeat(500), '52:54:00:AA:BB:CC;rm'), 'agent');
      expect(a!.nic).toBe('eth0[31m' + 'x'.repeat(56));
      expect(a!.nic.length).toBeLessThanOrEqual(64);
      expect(a!.mac).toBe('');
    });

    it('keeps IPv6 out and IPv4 with a prefix length in', () => {
      expect(addressesOf([{ name: 'eth0', hwaddr: null, addrs: [{ type: 1, addr: '2001:db8::1', prefix: 64 }, { type: 0, addr: '10.1.2.3/16', prefix: 16 }] }], 'lease')).toEqual([
        { nic: 'eth0', mac: '', ip: '10.1.2.3', source: 'lease' },
      ]);
    });
  });

  it('says why when there is no address', () => {
    const r = sshCommandFor([], [], { kind: 'local' });
    expect(r.command).toBeNull();
    expect(r.reason).toMatch(/guest agent/);
  });
});
