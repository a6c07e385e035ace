import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection, SshPool, type SshEnvironment, type SshStateEvent } from '../../../engine/ssh/index';
import { endpoint, freePort, makeKey, MemoryHostKeyStore, pinnedFrom, skipReason, TestSshd } from './sshd-fixture';
import { refusal } from '../../helpers/refusal';


describe.skipIf(skipReason !== undefined)(`SSH bastions, reconnect and timeouts against real sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let dir: string;
  let key: string;
  let bastion: TestSshd; // 127.0.0.1
  let target: TestSshd; // 127.0.0.2
  const cleanup: Array<() => Promise<unknown> | void> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-ssh-jump-'));
    key = makeKey(join(dir, 'client'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    bastion = await TestSshd.start({ dir, name: 'bastion', address: '127.0.0.1' });
    target = await TestSshd.start({ dir, name: 'target', address: '127.0.0.2' });
  });

  afterAll(async () => {
    try {
      for (const c of cleanup.reverse()) await c();
    } finally {
      await bastion?.stop();
      await target?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  function env(store: MemoryHostKeyStore, extra: Partial<SshEnvironment> = {}): SshEnvironment {
    const config = [
      'Host kvm-behind',
      `  HostName ${target.opts.address}`,
      `  Port ${target.port}`,
      '  ProxyJump jumpbox',
      'Host jumpbox',
      `  HostName ${bastion.opts.address}`,
      `  Port ${bastion.port}`,
      'Host *',
      '  User root',
      `  IdentityFile ${key}`,
    ].join('\n');
    return { hostKeys: store, sshConfig: { configText: config, homeDir: dir, localUser: 'root' }, knownHostsFiles: [], agent: null, connectTimeoutMs: 5_000, ...extra };
  }

  function track<T extends { close(): Promise<void> }>(c: T): T {
    cleanup.push(() => c.close());
    return c;
  }

  it('reaches a host through a ProxyJump bastion, verifying both host keys', async () => {
    const store = new MemoryHostKeyStore();
    const conn = track(new SshConnection('behind', { address: 'kvm-behind' }, env(store, { autoReconnect: false })));

    // The bastion's key is checked first, exactly like the target's.
    const e1 = await refusal(conn.connect());
    expect(e1.code).toBe('HOST_KEY_UNKNOWN');
    expect(e1.details).toMatchObject({ host: '127.0.0.1', port: bastion.port, fingerprint: bastion.hostKeyFingerprint, hostId: undefined });
    const e2 = await refusal(conn.connect({ acceptHostKey: bastion.hostKeyFingerprint }));
    expect(e2.code).toBe('HOST_KEY_UNKNOWN');
    expect(e2.details).toMatchObject({ host: '127.0.0.2', port: target.port, fingerprint: target.hostKeyFingerprint, hostId: 'behind' });
    await conn.connect({ acceptHostKey: target.hostKeyFingerprint });
    expect([...store.keys.keys()].sort()).toEqual([endpoint(bastion), endpoint(target)].sort());

    // The target saw a connection forwarded by the bastion, and the bastion logged the forward.
    const r = await conn.exec(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    expect(r.stdout.split(' ')[2]).toBe('127.0.0.2');
    await expect.poll(() => bastion.log()).toMatch(new RegExp(`direct_tcpip: originator 127\\.0\\.0\\.1 port 0, target 127\\.0\\.0\\.2 port ${target.port}`));
  });

  it('keeps one connection per host in the pool and reports its states', async () => {
    const store = new MemoryHostKeyStore();
    store.keys.set(endpoint(bastion), pinnedFrom(bastion));
    const pool = new SshPool(env(store));
    cleanup.push(() => pool.closeAll());
    const states: SshStateEvent[] = [];
    pool.onState((e) => states.push(e));
    const a = pool.connection('h1', { address: '127.0.0.1', port: bastion.port });
    expect(pool.connection('h1', { address: '127.0.0.1', port: bastion.port })).toBe(a);
    const before = bastion.count(/Accepted publickey/);
    await Promise.all([a.exec(['true']), a.exec(['true']), a.exec(['true'])]);
    await expect.poll(() => bastion.count(/Accepted publickey/)).toBe(before + 1);
    expect(states.map((s) => `${s.hostId}:${s.state}`)).toEqual(['h1:connecting', 'h1:connected']);
    await pool.remove('h1');
    expect(states.at(-1)).toMatchObject({ hostId: 'h1', state: 'disconnected' });
  });

  it('reconnects with backoff after sshd restarts, reporting unreachable with the next retry time', async () => {
    const store = new MemoryHostKeyStore();
    store.keys.set(endpoint(bastion), pinnedFrom(bastion));
    const conn = track(
      new SshConnection('restart', { address: '127.0.0.1', port: bastion.port }, env(store, { backoff: { initialMs: 200, maxMs: 800, factor: 2, jitter: 0.2 }, keepaliveIntervalMs: 1_000 })),
    );
    await conn.connect();
    const states: SshStateEvent[] = [];
    conn.onState((e) => states.push(e));

    await bastion.stop();
    await expect.poll(() => states.filter((s) => s.state === 'unreachable').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const lost = states.find((s) => s.state === 'unreachable');
    expect(lost?.lastError?.code).toBe('UNREACHABLE');
    expect(lost?.nextRetryAt).toBeGreaterThan(lost?.at ?? 0);
    expect(states.some((s) => s.lastError?.message.includes('ECONNREFUSED'))).toBe(true);

    await bastion.run();
    await expect.poll(() => conn.state.state, { timeout: 10_000 }).toBe('connected');
    expect(conn.state.failures).toBe(0);
    expect((await conn.exec(['echo', 'back'])).stdout).toBe('back\n');
  });

  it('notices a host that stops answering through keepalive, and reconnects', async () => {
    const store = new MemoryHostKeyStore();
    store.keys.set(endpoint(bastion), pinnedFrom(bastion));
    const conn = track(
      new SshConnection('hung', { address: '127.0.0.1', port: bastion.port }, env(store, { keepaliveIntervalMs: 300, keepaliveCountMax: 2, backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0 } })),
    );
    await conn.connect();
    const states: SshStateEvent[] = [];
    conn.onState((e) => states.push(e));
    const thaw = bastion.freezeSessions();
    try {
      await expect.poll(() => states.find((s) => s.state === 'unreachable')?.lastError?.message, { timeout: 10_000 }).toMatch(/Keepalive/i);
      await expect.poll(() => conn.state.state, { timeout: 10_000 }).toBe('connected'); // a new session, not the frozen one
    } finally {
      thaw();
    }
    expect((await conn.exec(['echo', 'alive'])).stdout).toBe('alive\n');
  });

  it('times out a handshake that never comes and reports an unreachable port', async () => {
    const silent: Server = createServer((s: Socket) => s.on('error', () => undefined)); // accepts, never speaks
    const sockets: Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const store = new MemoryHostKeyStore();
      const conn = track(new SshConnection('silent', { address: '127.0.0.1', port }, env(store, { connectTimeoutMs: 700, autoReconnect: false })));
      const t0 = Date.now();
      const err = await refusal(conn.connect());
      expect(err.code).toBe('TIMEOUT');
      expect(Date.now() - t0).toBeLessThan(5_000);

      // An operation's own timeout also bounds waiting for the connection.
      const slow = track(new SshConnection('silent2', { address: '127.0.0.1', port }, env(store, { connectTimeoutMs: 60_000, autoReconnect: false })));
      expect((await refusal(slow.exec(['true'], { timeoutMs: 300 }))).code).toBe('TIMEOUT');

      const closedPort = await freePort('127.0.0.1');
      const nobody = track(new SshConnection('nobody', { address: '127.0.0.1', port: closedPort }, env(store, { autoReconnect: false })));
      const e = await refusal(nobody.connect());
      expect(e.code).toBe('UNREACHABLE');
      expect(e.message).toContain('ECONNREFUSED');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
