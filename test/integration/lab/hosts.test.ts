/**
 * Issue 4 "done when": every lab host answers over SSH (the system ssh client, strict host key
 * checking) with its own hostname and libvirt host UUID, has the lab's network and pools, and can
 * reach its peers and the laptop side.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLabInfo, sshRun, virsh } from '../../lab/lab-info';

const lab = readLabInfo();

describe('lab hosts', () => {
  it('each host answers virsh over ssh with its own hostname and UUID', async () => {
    const seen = new Set<string>();
    for (const h of lab.hosts) {
      expect((await sshRun(h, 'hostname')).trim()).toBe(h.name);
      expect((await virsh(h, ['hostname'])).trim()).toBe(h.name);
      const caps = await virsh(h, ['capabilities']);
      const uuid = /<host>\s*<uuid>([^<]+)<\/uuid>/.exec(caps)?.[1];
      expect(uuid).toBe(h.uuid);
      seen.add(uuid!);
      // the address it is reached on is its own
      expect(await sshRun(h, 'ip -o -4 addr show dev eth0')).toContain(`inet ${h.address}/24`);
    }
    expect(seen.size).toBe(lab.hosts.length);
  });

  it('host key fingerprints in lab.json are the ones the hosts present', () => {
    for (const h of lab.hosts) {
      // asked of the running sshd itself, not read from the lab's files
      const scan = spawnSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(h.sshPort), h.address], { encoding: 'utf8', timeout: 15_000 });
      const fp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: scan.stdout, encoding: 'utf8' });
      expect(fp.stdout.split(/\s+/)[1]).toBe(h.hostKeyFingerprint);
      expect(fs.readFileSync(lab.knownHostsPath, 'utf8')).toContain(fs.readFileSync(h.hostKeyPath, 'utf8').split(' ').slice(0, 2).join(' '));
    }
  });

  it('each host has the default NAT network and the default and shared pools', async () => {
    for (const h of lab.hosts) {
      const names = (out: string) => out.split('\n').map((l) => l.trim()).filter(Boolean);
      expect(names(await virsh(h, ['net-list', '--name']))).toContain('default');
      expect(await virsh(h, ['net-dumpxml', 'default'])).toContain("<forward mode='nat'");
      const pools = names(await virsh(h, ['pool-list', '--name']));
      expect(pools).toContain('default');
      expect(pools).toContain('shared');
      expect(await virsh(h, ['pool-dumpxml', 'shared'])).toContain(`<path>${lab.sharedPoolPath}</path>`);
    }
  });

  it('hosts reach each other (ssh between them as for p2p migration) and the laptop side', async () => {
    const [a, b] = lab.hosts;
    if (!a || !b) return;
    expect((await sshRun(a, `ssh ${b.address} hostname`)).trim()).toBe(b.name);
    expect((await sshRun(b, `ssh ${a.address} hostname`)).trim()).toBe(a.name);
    expect(await sshRun(a, `ip route get ${lab.laptopAddress}`)).toContain("dev eth0");
  });

  it('migration_host of each host is its own address', async () => {
    for (const h of lab.hosts) {
      expect(await sshRun(h, 'grep ^migration_host /etc/libvirt/qemu.conf')).toContain(`"${h.address}"`);
    }
  });
});
