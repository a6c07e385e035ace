import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection, type SshEnvironment, type SshStateEvent } from '../../../engine/ssh/index';
import { refusal } from '../../helpers/refusal';
import {
  endpoint,
  keygenFingerprint,
  makeKey,
  MemoryHostKeyStore,
  pinnedFrom,
  scriptedCredentials,
  skipReason,
  TestSshd,
  TestUser,
} from './sshd-fixture';


describe.skipIf(skipReason !== undefined)(`SSH connect, auth and host keys against a real sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let dir: string;
  let sshd: TestSshd;
  let user: TestUser;
  let clientKey: string;
  let lockedKey: string;
  const open: SshConnection[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-ssh-auth-'));
    clientKey = makeKey(join(dir, 'client'));
    lockedKey = makeKey(join(dir, 'locked'), 'correct horse');
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`, 'utf8') + readFileSync(`${lockedKey}.pub`, 'utf8'));
    user = TestUser.create();
    sshd = await TestSshd.start({ dir, name: 'a', address: '127.0.0.1' });
  });

  afterAll(async () => {
    try {
      await Promise.all(open.map((c) => c.close()));
    } finally {
      await sshd?.stop();
      user?.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A connection as the engine would make it, with this test's files instead of the user's. */
  function connection(o: { user?: string; identityFile?: string; store?: MemoryHostKeyStore; env?: Partial<SshEnvironment> } = {}): SshConnection {
    const config = [
      'Host hostA',
      `  HostName ${sshd.opts.address}`,
      `  Port ${sshd.port}`,
      `  User ${o.user ?? 'root'}`,
      `  IdentityFile ${o.identityFile ?? join(dir, 'no-such-key')}`,
    ].join('\n');
    const env: SshEnvironment = {
      hostKeys: o.store ?? new MemoryHostKeyStore(),
      sshConfig: { configText: config, homeDir: dir, localUser: 'root' },
      knownHostsFiles: [join(dir, 'known_hosts')],
      agent: null,
      connectTimeoutMs: 10_000,
      autoReconnect: false,
      ...o.env,
    };
    const conn = new SshConnection('host-a', { address: 'hostA' }, env);
    open.push(conn);
    return conn;
  }

  const pinned = (): MemoryHostKeyStore => {
    const store = new MemoryHostKeyStore();
    store.keys.set(endpoint(sshd), pinnedFrom(sshd));
    return store;
  };

  it('refuses an unknown host key with the fingerprint ssh-keygen -lf prints, then pins it on confirmation', async () => {
    const store = new MemoryHostKeyStore();
    const conn = connection({ identityFile: clientKey, store });
    const states: SshStateEvent[] = [];
    conn.onState((e) => states.push(e));

    const err = await refusal(conn.connect());
    expect(err.code).toBe('HOST_KEY_UNKNOWN');
    const fp = keygenFingerprint(`${sshd.hostKey}.pub`);
    expect(err.details).toMatchObject({ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: fp });
    expect(err.details?.['publicKey']).toBe(readFileSync(`${sshd.hostKey}.pub`, 'utf8').split(/\s+/)[1]);
    expect(store.keys.size).toBe(0);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'unreachable']);
    expect(states[1]?.lastError?.code).toBe('HOST_KEY_UNKNOWN');
    expect(states[1]?.nextRetryAt).toBeUndefined(); // needs the user: no automatic retry

    // A confirmation of some other fingerprint accepts nothing.
    expect((await refusal(conn.connect({ acceptHostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }))).code).toBe('HOST_KEY_UNKNOWN');
    expect(store.keys.size).toBe(0);

    await conn.connect({ acceptHostKey: fp });
    expect(conn.state.state).toBe('connected');
    expect(store.keys.get(endpoint(sshd))?.fingerprint).toBe(fp);
    expect((await conn.exec(['id', '-un'])).stdout.trim()).toBe('root');

    // A new connection with the same store goes through silently.
    const again = connection({ identityFile: clientKey, store });
    await again.connect();
    expect((await again.exec(['true'])).exitCode).toBe(0);
  });

  it('honours ~/.ssh/known_hosts, hashed entries included', async () => {
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, `${endpoint(sshd)} ${readFileSync(`${sshd.hostKey}.pub`, 'utf8')}`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).toMatch(/^\|1\|/);
    try {
      const store = new MemoryHostKeyStore();
      const conn = connection({ identityFile: clientKey, store });
      await conn.connect();
      expect(store.keys.size).toBe(0); // known_hosts vouched for it; nothing needed pinning
    } finally {
      rmSync(kh, { force: true });
      rmSync(`${kh}.old`, { force: true });
    }
  });

  it('authenticates with a key file', async () => {
    const before = sshd.count(/Accepted publickey for root/);
    const conn = connection({ identityFile: clientKey, store: pinned() });
    await conn.connect();
    await expect.poll(() => sshd.count(/Accepted publickey for root/)).toBe(before + 1); // sshd logs asynchronously
  });

  it('authenticates with an encrypted key, asking the provider for the passphrase until it is right', async () => {
    const creds = scriptedCredentials({ passphrases: ['wrong', 'correct horse'] });
    const conn = connection({ identityFile: lockedKey, store: pinned(), env: { credentials: creds.provider } });
    await conn.connect();
    expect(creds.asked).toEqual([`passphrase ${lockedKey} #1`, `passphrase ${lockedKey} #2`]);
    expect(creds.outcomes.map((o) => [o.kind, o.ok])).toEqual([
      ['passphrase', false],
      ['passphrase', true],
    ]);
  });

  it('authenticates through ssh-agent', async () => {
    const sock = join(dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50; i++) {
        try {
          execFileSync('ssh-add', [clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const before = sshd.count(/Accepted publickey for root/);
      const conn = connection({ store: pinned(), env: { agent: sock } });
      await conn.connect();
      await expect.poll(() => sshd.count(/Accepted publickey for root/)).toBe(before + 1); // sshd logs asynchronously
    } finally {
      agent.kill();
    }
  });

  it('authenticates with a password', async () => {
    const creds = scriptedCredentials({ password: user.password, answers: () => undefined });
    const conn = connection({ user: user.name, store: pinned(), env: { credentials: creds.provider } });
    await conn.connect();
    expect((await conn.exec(['id', '-un'])).stdout.trim()).toBe(user.name);
    await expect.poll(() => sshd.log()).toContain(`Accepted password for ${user.name}`);
    expect(creds.outcomes.at(-1)).toMatchObject({ kind: 'password', ok: true });
  });

  it('authenticates with keyboard-interactive, answering the server’s prompts', async () => {
    const creds = scriptedCredentials({ answers: (prompts) => prompts.map(() => user.password) });
    const conn = connection({ user: user.name, store: pinned(), env: { credentials: creds.provider } });
    await conn.connect();
    await expect.poll(() => sshd.log()).toContain(`Accepted keyboard-interactive/pam for ${user.name}`);
    expect(creds.asked[0]).toMatch(/^kbd .*[Pp]assword/);
    expect(creds.outcomes.at(-1)).toMatchObject({ kind: 'keyboard-interactive', ok: true });
  });

  it('reports AUTH_FAILED naming the methods tried', async () => {
    const creds = scriptedCredentials({ password: 'not-the-password', answers: () => undefined });
    const conn = connection({ user: user.name, identityFile: lockedKey, store: pinned(), env: { credentials: creds.provider, maxPrompts: 1 } });
    const err = await refusal(conn.connect());
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain(`${user.name}@${endpoint(sshd)}`);
    expect(err.message).toMatch(/Tried: .*keyboard-interactive, password/);
    expect(err.details).toMatchObject({ serverMethods: expect.arrayContaining(['publickey', 'password']) });
    expect(creds.outcomes.at(-1)).toMatchObject({ kind: 'password', ok: false });
    expect(conn.state.state).toBe('unreachable');
    expect(conn.state.nextRetryAt).toBeUndefined();
  });

  it('refuses a changed host key, naming the old and new fingerprints, also on reconnect', async () => {
    const store = pinned();
    const live = connection({ identityFile: clientKey, store, env: { autoReconnect: true, backoff: { initialMs: 100, maxMs: 500, factor: 2, jitter: 0 } } });
    await live.connect();
    const oldFp = sshd.hostKeyFingerprint;
    const states: SshStateEvent[] = [];
    live.onState((e) => states.push(e));

    await sshd.regenerateHostKey(); // drops the live connection, as a reinstall would
    const newFp = sshd.hostKeyFingerprint;
    expect(newFp).not.toBe(oldFp);

    const fresh = connection({ identityFile: clientKey, store });
    const err = await refusal(fresh.connect({ acceptHostKey: newFp })); // confirming cannot override a pin
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toContain(oldFp);
    expect(err.message).toContain(newFp);
    expect(err.details).toMatchObject({ previousFingerprint: oldFp, fingerprint: newFp });
    expect(store.keys.get(endpoint(sshd))?.fingerprint).toBe(oldFp);

    // The live connection reconnects by itself, meets the new key, and stops there.
    await expect.poll(() => states.at(-1)?.lastError?.code, { timeout: 10_000 }).toBe('HOST_KEY_CHANGED');
    expect(states.at(-1)).toMatchObject({ state: 'unreachable' });
    expect(states.at(-1)?.nextRetryAt).toBeUndefined();

    // known_hosts mismatch is refused the same way.
    const kh = join(dir, 'known_hosts');
    appendFileSync(kh, `${endpoint(sshd)} ${pinnedFrom(sshd).keyType} ${store.keys.get(endpoint(sshd))?.publicKey}\n`);
    try {
      const viaFile = connection({ identityFile: clientKey });
      const e2 = await refusal(viaFile.connect());
      expect(e2.code).toBe('HOST_KEY_CHANGED');
      expect(e2.message).toContain(oldFp);
      expect(e2.message).toContain(newFp);
    } finally {
      rmSync(kh, { force: true });
    }
  });
});
