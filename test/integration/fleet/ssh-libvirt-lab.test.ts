/**
 * Issue 5 "done when", against the real lab: Hangar's SSH layer and libvirt client reach lab hosts
 * the way they will reach real ones, checked with virsh over the system ssh client as the oracle.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostLink } from '../../../engine/hosts/host-link';
import { openHostLibvirt } from '../../../engine/hosts/host-libvirt';
import { fetchHostInventory } from '../../../engine/inventory/fetch-inventory';
import { DomainState, type LibvirtEvent } from '../../../engine/libvirt';
import { SshConnection, SshPool, type HostKeyStore, type PinnedKey, type SshEnvironment } from '../../../engine/ssh';
import { defineDomain, LAB_DIR, readLabInfo, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../../lab/lab-info';

const HOST_SH = path.join(LAB_DIR, 'scripts', 'host.sh');
const inHost = (name: string, ...cmd: string[]) => {
  const r = spawnSync('bash', [HOST_SH, 'exec', name, ...cmd], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`host.sh exec ${name} ${cmd.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

function memoryStore(): HostKeyStore & { pins: Map<string, PinnedKey> } {
  const pins = new Map<string, PinnedKey>();
  return { pins, get: async (ref) => pins.get(ref.endpoint), pin: async (ref, key) => void pins.set(ref.endpoint, key) };
}

/** The lab key through ~/.ssh/config text, as a user's config would carry it. */
function env(lab: LabInfo, extra: Partial<SshEnvironment> = {}, config = ''): SshEnvironment {
  const configText = `${config}Host 10.66.0.*\n  User root\n  IdentityFile ${lab.keyPath}\n  IdentitiesOnly yes\n`;
  return { hostKeys: memoryStore(), knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText }, connectTimeoutMs: 15_000, ...extra };
}

const uniq = (p: string) => `${p}-${crypto.randomBytes(3).toString('hex')}`;

/** sshd re-executes itself on SIGHUP: wait until it really serves the key we expect. */
async function waitForHostKey(h: LabHost, fingerprint: string): Promise<void> {
  await waitFor(`${h.name} to serve ${fingerprint}`, async () => {
    const scan = spawnSync('ssh-keyscan', ['-t', 'ed25519', h.address], { encoding: 'utf8', timeout: 5000 });
    const fp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: scan.stdout, encoding: 'utf8' }).stdout.split(/\s+/)[1];
    return fp === fingerprint;
  }, 15_000, 100);
}

describe('SSH and libvirt against the lab', () => {
  let lab: LabInfo;
  let h1: LabHost;
  let h2: LabHost;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(() => {
    lab = readLabInfo();
    [h1, h2] = lab.hosts as [LabHost, LabHost];
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
  });

  it('connects by key, and each host answers with its own hostname and libvirt host UUID', async () => {
    const pool = new SshPool(env(lab));
    cleanup.push(() => pool.closeAll());
    for (const h of [h1, h2]) {
      const ssh = pool.connection(h.name, { address: h.address });
      expect((await ssh.exec('hostname')).stdout.trim()).toBe(h.name);
      const { conn, via } = await openHostLibvirt(ssh);
      expect(via).toBe('stream-local');
      expect(await conn.getHostname()).toBe(h.name);
      expect(await conn.getCapabilities()).toContain(`<uuid>${h.uuid}</uuid>`);
      await conn.close();
    }
  });

  it('asks to confirm an unknown host key, pins it, then connects silently', async () => {
    const store = memoryStore();
    const e = { ...env(lab), hostKeys: store, knownHostsFiles: [] };
    const first = new SshConnection('h1', { address: h1.address }, e);
    const err = await first.connect().catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'HOST_KEY_UNKNOWN', details: { fingerprint: h1.hostKeyFingerprint } });
    await first.connect({ acceptHostKey: h1.hostKeyFingerprint });
    await first.close();
    expect([...store.pins.values()][0]?.fingerprint).toBe(h1.hostKeyFingerprint);
    const again = new SshConnection('h1', { address: h1.address }, e);
    await again.connect();
    expect((await again.exec('hostname')).stdout.trim()).toBe(h1.name);
    await again.close();
  });

  it('reaches a host through another lab host as a ProxyJump bastion', async () => {
    const config = `Host lab2-behind-lab1\n  HostName ${h2.address}\n  User root\n  IdentityFile ${lab.keyPath}\n  ProxyJump root@${h1.address}\n`;
    const c = new SshConnection('jump', { address: 'lab2-behind-lab1' }, env(lab, {}, config));
    cleanup.push(() => c.close());
    const r = await c.exec('hostname; echo "$SSH_CONNECTION"');
    const [hostname, sshConnection] = r.stdout.trim().split('\n');
    expect(hostname).toBe(h2.name);
    // The session reached lab2 from lab1's address, not from the laptop's.
    expect(sshConnection?.split(' ')[0]).toBe(h1.address);
    const { conn } = await openHostLibvirt(c);
    expect(await conn.getHostname()).toBe(h2.name);
    await conn.close();
  });

  it('lists the same domains virsh lists, with identical names, UUIDs and states', async () => {
    const names = [uniq('inv-a'), uniq('inv-b')];
    for (const n of names) {
      await defineDomain(h1, testGuestXml({ name: n, network: null, lab }));
      cleanup.push(() => sshRun(h1, `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; true`));
    }
    await virsh(h1, ['start', names[0]!]);
    const pool = new SshPool(env(lab));
    cleanup.push(() => pool.closeAll());
    const { conn } = await openHostLibvirt(pool.connection(h1.name, { address: h1.address }));
    cleanup.push(() => conn.close());
    const inv = await fetchHostInventory(conn);
    const oracle = (await virsh(h1, ['list', '--all', '--uuid', '--name']))
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/) as [string, string]);
    const ours = inv.domains.map((d) => [d.summary.uuid, d.summary.name]).sort();
    expect(ours).toEqual(oracle.map(([uuid, name]) => [uuid, name]).sort());
    for (const n of names) {
      const state = (await virsh(h1, ['domstate', n])).trim();
      const mine = inv.domains.find((d) => d.summary.name === n)!;
      expect(mine.state).toBe(state === 'running' ? DomainState.RUNNING : DomainState.SHUTOFF);
    }
  });

  it('hears a lifecycle event within 1 s of virsh start and destroy run behind its back, and reads the serial console', async () => {
    const name = uniq('events');
    await defineDomain(h1, testGuestXml({ name, network: null, lab }));
    cleanup.push(() => sshRun(h1, `virsh destroy ${name} >/dev/null 2>&1; virsh undefine ${name} >/dev/null 2>&1; true`));
    const pool = new SshPool(env(lab));
    cleanup.push(() => pool.closeAll());
    const { conn } = await openHostLibvirt(pool.connection(h1.name, { address: h1.address }));
    cleanup.push(() => conn.close());
    await conn.registerInventoryEvents();
    const seen: { ev: LibvirtEvent; at: number }[] = [];
    conn.on('event', (ev) => seen.push({ ev, at: Date.now() }));
    const lifecycleFor = (after: number) => () =>
      Promise.resolve(seen.find((s) => s.at >= after && s.ev.kind === 'domain-lifecycle' && 'dom' in s.ev && s.ev.dom.name === name));

    // Latency is counted from when the independent virsh returned (its own ssh login is not ours).
    let t = Date.now();
    await virsh(h1, ['start', name]);
    let returned = Date.now();
    const started = await waitFor('start event', lifecycleFor(t), 5000, 20);
    expect(started.at - returned).toBeLessThan(1000);

    // Serial console: the guest's banner arrives on the stream.
    const dom = await conn.domainLookupByName(name);
    const stream = await conn.domainOpenConsole(dom, null, 1 /* force */);
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString('latin1')));
    stream.write('\r\necho hangar-$((6*7))\r\n');
    const timer = setInterval(() => stream.write('\r\necho hangar-$((6*7))\r\n'), 2000);
    await waitFor('console output', async () => text.includes('hangar-42') || text.includes(lab.guest.banner), 60_000, 100).finally(() => clearInterval(timer));

    t = Date.now();
    await virsh(h1, ['destroy', name]);
    returned = Date.now();
    const stopped = await waitFor('destroy event', lifecycleFor(t), 5000, 20);
    expect(stopped.at - returned).toBeLessThan(1000);
    stream.destroy();
  });

  it('survives a libvirtd restart: reconnects by itself and events resume', async () => {
    const pool = new SshPool(env(lab));
    cleanup.push(() => pool.closeAll());
    const ssh = pool.connection(h2.name, { address: h2.address });
    const link = new HostLink(async (signal) => (await openHostLibvirt(ssh, { signal })).conn, { fastMs: 200, fastForMs: 60_000, then: { initialMs: 200, maxMs: 2000, factor: 2, jitter: 0 } });
    cleanup.push(() => link.close());
    await link.start();
    let reconnected = 0;
    link.on('connected', () => reconnected++);
    const events: LibvirtEvent[] = [];
    link.on('event', (e) => events.push(e));

    const pidFile = path.join(h2.stateDir, 'run', 'libvirtd.pid');
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
    await waitFor('link to notice', async () => link.current.state === 'unreachable', 15_000, 50);
    inHost(h2.name, '/usr/sbin/libvirtd', '-d', '-p', pidFile, '-f', '/etc/libvirt/libvirtd.conf');
    await waitFor('reconnect', async () => reconnected > 0 && link.current.state === 'connected', 30_000, 100);

    const name = uniq('after-restart');
    await defineDomain(h2, testGuestXml({ name, network: null, lab }));
    cleanup.push(() => sshRun(h2, `virsh undefine ${name} >/dev/null 2>&1; true`));
    await waitFor('define event after restart', async () => events.some((e) => 'dom' in e && e.dom.name === name), 5000, 50);
  });

  // Last: it re-keys lab2's sshd (and puts the key back), which the tests above must not race with.
  it('refuses a changed host key, naming the old and the new fingerprint', async () => {
    const store = memoryStore();
    const e = { ...env(lab), hostKeys: store, knownHostsFiles: [] };
    const c = new SshConnection('h2', { address: h2.address }, e);
    await c.connect({ acceptHostKey: h2.hostKeyFingerprint });
    await c.close();

    // Re-key lab2's sshd (as a reinstall would), and put the original back afterwards.
    const keyFile = h2.hostKeyPath.replace(/\.pub$/, '');
    const saved = [fs.readFileSync(keyFile), fs.readFileSync(h2.hostKeyPath)] as const;
    const sshdPid = () => Number(fs.readFileSync(path.join(h2.stateDir, 'run', 'sshd.pid'), 'utf8'));
    const restore = async () => {
      fs.writeFileSync(keyFile, saved[0], { mode: 0o600 });
      fs.writeFileSync(h2.hostKeyPath, saved[1]);
      process.kill(sshdPid(), 'SIGHUP');
      await waitForHostKey(h2, h2.hostKeyFingerprint);
    };
    cleanup.push(restore);
    fs.rmSync(keyFile);
    fs.rmSync(h2.hostKeyPath);
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]).status).toBe(0);
    const newFp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', h2.hostKeyPath], { encoding: 'utf8' }).stdout.split(/\s+/)[1]!;
    process.kill(sshdPid(), 'SIGHUP');
    await waitForHostKey(h2, newFp);

    const after = new SshConnection('h2', { address: h2.address }, e);
    const err = (await after.connect().catch((x: unknown) => x)) as { code: string; message: string };
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toContain(h2.hostKeyFingerprint);
    expect(err.message).toContain(newFp);
    // Even a confirmation of the new fingerprint does not override a pin silently.
    await expect(after.connect({ acceptHostKey: newFp })).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    await after.close();
    await restore();
    cleanup.pop();
  });
});
