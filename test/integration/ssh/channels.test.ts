import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { SshConnection, type SshEnvironment } from '../../../engine/ssh/index';
import { endpoint, makeKey, MemoryHostKeyStore, pinnedFrom, skipReason, TestSshd } from './sshd-fixture';
import { refusal } from '../../helpers/refusal';


/** Writes `text`, then reads until as many bytes came back. */
function roundTrip(stream: Duplex, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    stream.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.length >= text.length) resolve(got);
    });
    stream.on('error', reject);
    stream.write(text);
  });
}

describe.skipIf(skipReason !== undefined)(`SSH exec and streams against a real sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let dir: string;
  let sshd: TestSshd;
  let strict: TestSshd; // forbids stream-local forwarding, like some hardened hosts
  let tight: TestSshd; // allows two sessions per connection, below Hangar's own cap
  let echo: Server;
  let echoPath: string;
  let conn: SshConnection;
  let strictConn: SshConnection;

  function connect(server: TestSshd): SshConnection {
    const store = new MemoryHostKeyStore();
    store.keys.set(endpoint(server), pinnedFrom(server));
    const env: SshEnvironment = {
      hostKeys: store,
      sshConfig: { configText: `Host *\n  User root\n  IdentityFile ${join(dir, 'client')}\n`, homeDir: dir, localUser: 'root' },
      knownHostsFiles: [],
      agent: null,
      autoReconnect: false,
    };
    return new SshConnection(server.opts.name, { address: server.opts.address, port: server.port }, env);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-ssh-chan-'));
    const key = makeKey(join(dir, 'client'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    sshd = await TestSshd.start({ dir, name: 'open', address: '127.0.0.1' });
    strict = await TestSshd.start({ dir, name: 'strict', address: '127.0.0.1', extra: ['AllowStreamLocalForwarding no'] });
    tight = await TestSshd.start({ dir, name: 'tight', address: '127.0.0.1', extra: ['MaxSessions 2'] });
    echoPath = join(dir, 'echo.sock');
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(echoPath, r));
    conn = connect(sshd);
    strictConn = connect(strict);
  });

  afterAll(async () => {
    try {
      await conn?.close();
      await strictConn?.close();
      echo?.close();
    } finally {
      await sshd?.stop();
      await strict?.stop();
      await tight?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams stdout and stderr as they come and returns the exit code', async () => {
    const chunks: Array<[string, number]> = [];
    const t0 = Date.now();
    const r = await conn.exec('for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.3; done; exit 7', {
      onStdout: (c) => chunks.push([c.toString(), Date.now() - t0]),
    });
    expect(r).toMatchObject({ exitCode: 7, signal: null, stdout: 'out1\nout2\nout3\n', stderr: 'err1\nerr2\nerr3\n', truncated: false });
    expect(chunks[0]?.[0]).toBe('out1\n');
    // the first line arrived while the command was still running, not at the end
    expect((chunks.at(-1)?.[1] ?? 0) - (chunks[0]?.[1] ?? 0)).toBeGreaterThan(400);
  });

  it('reports death by signal, feeds stdin, and caps kept output', async () => {
    expect(await conn.exec('kill -TERM $$')).toMatchObject({ exitCode: null, signal: 'TERM' });
    expect((await conn.exec(['cat'], { stdin: 'from stdin\n' })).stdout).toBe('from stdin\n');
    const big = await conn.exec(['head', '-c', '100000', '/dev/zero'], { maxBuffer: 1000 });
    expect(big).toMatchObject({ exitCode: 0, truncated: true });
    expect(big.stdout.length).toBe(1000);
  });

  it('passes hostile arguments through shellQuote unchanged', async () => {
    const args = ["it's", '$(touch /tmp/pwned)', '`id`', 'a b', '', '*', 'new\nline', '; rm -rf /'];
    const r = await conn.exec(['printf', '%s\\0', ...args]);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
  });

  it('kills the remote command on timeout and on abort', async () => {
    const t = await refusal(conn.exec(['sleep', '31.4159'], { timeoutMs: 500 }));
    expect(t.code).toBe('TIMEOUT');
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 300);
    const c = await refusal(conn.exec(['sleep', '27.1828'], { signal: ctrl.signal }));
    expect(c.code).toBe('CANCELLED');
    // the processes are really gone on the host
    await expect
      .poll(async () => (await conn.exec(['sh', '-c', 'pgrep -f "sleep (31.4159|27.1828)" || true'])).stdout.trim(), { timeout: 5_000 })
      .toBe('');
  });

  it('multiplexes many commands over one connection, beyond sshd’s MaxSessions', async () => {
    const before = sshd.count(/Accepted publickey/);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => conn.exec(['sh', '-c', `sleep 0.2; echo ${i}`])));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(sshd.count(/Accepted publickey/)).toBe(before); // no new login: same connection
  });

  it('never loses a fast command’s exit status in a burst (issue 21: "closed before the command finished")', async () => {
    // A command's exit-status often arrives in the same TCP read as the exec reply; a listener
    // attached after the channel's promise resolved missed it (about 1 in 4 failed against the lab before).
    const results = await Promise.allSettled(Array.from({ length: 120 }, (_, i) => conn.exec(`echo ${i}`)));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed.slice(0, 3)).toEqual([]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.stdout.trim() : null))).toEqual(Array.from({ length: 120 }, (_, i) => String(i)));
  });

  it('learns a server’s MaxSessions below its own cap and queues within it', async () => {
    const c = connect(tight);
    try {
      // Each command records how many of them run at once on the host.
      const cmd = (i: number) => `mkdir -p ${dir}/tight; touch ${dir}/tight/$$; ls ${dir}/tight | wc -l; sleep 0.3; rm ${dir}/tight/$$; echo ok${i}`;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.exec(cmd(i))));
      expect(results.map((r) => r.stdout.trim().split('\n').at(-1))).toEqual(Array.from({ length: 12 }, (_, i) => `ok${i}`));
      expect(Math.max(...results.map((r) => Number(r.stdout.trim().split('\n')[0])))).toBeLessThanOrEqual(2);
    } finally {
      await c.close();
    }
  });

  it('opens a stream-local forward to a UNIX socket on the host', async () => {
    const s = await conn.openStreamLocal(echoPath);
    expect(await roundTrip(s, 'hello over streamlocal')).toBe('hello over streamlocal');
    s.end();
  });

  it('opens a TCP forward from the host', async () => {
    const tcp = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    try {
      const port = (tcp.address() as { port: number }).port;
      const s = await conn.forwardOutTcp('127.0.0.1', port);
      expect(await roundTrip(s, 'hello over tcp')).toBe('hello over tcp');
      s.end();
    } finally {
      tcp.close();
    }
  });

  it('falls back to an exec stream (nc -U) where stream-local forwarding is forbidden', async () => {
    // OpenSSH answers a forbidden forward with the same generic "open failed" as a missing socket.
    const refused = await refusal(strictConn.openStreamLocal(echoPath));
    expect(['FORBIDDEN', 'UNREACHABLE']).toContain(refused.code);
    expect(refused.message).toContain(echoPath);
    const s = await strictConn.openExecStream(['nc', '-U', echoPath]);
    expect(await roundTrip(s, 'hello over exec')).toBe('hello over exec');
    s.end();
  });

  it('fails an exec stream whose command does not exist, with its stderr', async () => {
    const s = await conn.openExecStream(['hangar-no-such-helper', 'qemu:///system']);
    const err = await new Promise<Error>((resolve) => s.on('error', resolve));
    expect(err).toBeInstanceOf(HangarError);
    expect((err as HangarError).code).toBe('UNSUPPORTED');
    expect(err.message).toMatch(/not found/);
  });

  it('times out opening a stream when the connection cannot be made', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    expect((await refusal(conn.openStreamLocal(echoPath, { signal: ctrl.signal }))).code).toBe('CANCELLED');
  });
});
