import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CredentialsProvider, SecretOutcome } from '../../../engine/ssh/credentials';
import type { HostKeyRef, HostKeyStore, PinnedKey } from '../../../engine/ssh/host-keys';

/**
 * Private OpenSSH servers for the SSH layer's integration tests: each has its own config, host key,
 * authorized_keys and log in a temp dir, listens on a loopback address and a free high port, and is
 * stopped with every process it forked. Nothing of the machine's own sshd setup is used or touched.
 */
export const SSHD = '/usr/sbin/sshd';

export const skipReason: string | undefined = (() => {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (sshd must switch users; a throwaway user is created)';
  if (!existsSync(SSHD)) return `no OpenSSH server at ${SSHD} (apt-get install openssh-server)`;
  for (const tool of ['ssh-keygen', 'useradd', 'chpasswd']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is missing`;
    }
  }
  return undefined;
})();

export async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** `ssh-keygen -lf` output's fingerprint field: the independent oracle for fingerprints. */
export function keygenFingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]).toString().split(/\s+/)[1] ?? '';
}

export function makeKey(path: string, passphrase = ''): string {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'hangar-test', '-f', path]);
  return path;
}

export interface SshdOptions {
  dir: string;
  name: string;
  address: string;
  /** Extra sshd_config lines. */
  extra?: string[];
}

export class TestSshd {
  readonly hostKey: string;
  readonly configFile: string;
  readonly logFile: string;
  private proc: ChildProcess | undefined;

  private constructor(
    readonly opts: SshdOptions,
    readonly port: number,
  ) {
    this.hostKey = join(opts.dir, `${opts.name}_host_ed25519`);
    this.configFile = join(opts.dir, `${opts.name}_sshd_config`);
    this.logFile = join(opts.dir, `${opts.name}.log`);
  }

  static async start(opts: SshdOptions): Promise<TestSshd> {
    const sshd = new TestSshd(opts, await freePort(opts.address));
    makeKey(sshd.hostKey);
    writeFileSync(
      sshd.configFile,
      [
        `ListenAddress ${opts.address}:${sshd.port}`,
        `HostKey ${sshd.hostKey}`,
        `PidFile ${join(opts.dir, `${opts.name}.pid`)}`,
        `AuthorizedKeysFile ${join(opts.dir, 'authorized_keys')}`,
        'StrictModes no',
        'PermitRootLogin yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication yes',
        'UsePAM yes',
        'AllowTcpForwarding yes',
        'LogLevel DEBUG1',
        'MaxStartups 50',
        ...(opts.extra ?? []),
      ].join('\n') + '\n',
    );
    await sshd.run();
    return sshd;
  }

  get hostKeyFingerprint(): string {
    return keygenFingerprint(`${this.hostKey}.pub`);
  }

  /** The sshd log so far (DEBUG1): the server's own account of what happened. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  count(pattern: RegExp): number {
    return this.log().split('\n').filter((l) => pattern.test(l)).length;
  }

  async run(): Promise<void> {
    mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory sshd insists on
    const before = this.log().length;
    this.proc = spawn(SSHD, ['-D', '-f', this.configFile, '-E', this.logFile], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const fresh = this.log().slice(before);
      if (fresh.includes('Server listening on')) return;
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd ${this.opts.name} did not start:\n${this.log().slice(before)}`);
  }

  /** Stops the listener and every per-connection process it forked, so clients really lose the link. */
  async stop(): Promise<void> {
    const pid = this.proc?.pid;
    if (pid === undefined || this.proc?.exitCode !== null) return;
    const family = [pid, ...descendants(pid)];
    const exited = new Promise((r) => this.proc?.once('exit', r));
    for (const p of family.reverse()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
    this.proc = undefined;
  }

  /**
   * Freezes (SIGSTOP) every per-connection process: the TCP link stays up but nothing answers,
   * like a hung host or a silently dropped route. Returns the thaw function.
   */
  freezeSessions(): () => void {
    const pid = this.proc?.pid;
    const frozen = pid === undefined ? [] : descendants(pid);
    for (const p of frozen) {
      try {
        process.kill(p, 'SIGSTOP');
      } catch {
        // a short-lived child already exited
      }
    }
    return () => {
      for (const p of frozen) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // gone
        }
      }
    };
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  /** A reinstalled host: new host key, same address. */
  async regenerateHostKey(): Promise<void> {
    await this.stop();
    makeKey(this.hostKey);
    await this.run();
  }
}

/** Every process below `pid`, from /proc (sshd's connection children call setsid, so groups will not do). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // raced with an exiting process
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** A throwaway local account with a random password, for password and keyboard-interactive auth. */
export class TestUser {
  private constructor(
    readonly name: string,
    readonly password: string,
  ) {}

  static create(): TestUser {
    const name = `hgt${randomBytes(3).toString('hex')}`;
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', name]);
    execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
    return new TestUser(name, password);
  }

  remove(): void {
    try {
      execFileSync('userdel', ['--remove', this.name], { stdio: 'ignore' });
    } catch {
      // best effort: a leftover process may still hold the account; userdel then fails harmlessly
    }
  }
}

export class MemoryHostKeyStore implements HostKeyStore {
  readonly keys = new Map<string, PinnedKey>();
  async get(ref: HostKeyRef): Promise<PinnedKey | undefined> {
    return this.keys.get(ref.endpoint);
  }
  async pin(ref: HostKeyRef, key: PinnedKey): Promise<void> {
    this.keys.set(ref.endpoint, key);
  }
}

/** Pins a server's current key as if the user had accepted it before. */
export function pinnedFrom(sshd: TestSshd): PinnedKey {
  const [keyType, publicKey] = readFileSync(`${sshd.hostKey}.pub`, 'utf8').trim().split(/\s+/);
  return { keyType: keyType ?? '', publicKey: publicKey ?? '', fingerprint: sshd.hostKeyFingerprint, pinnedAt: new Date().toISOString() };
}

export function endpoint(sshd: TestSshd): string {
  return `[${sshd.opts.address}]:${sshd.port}`;
}

/** A CredentialsProvider scripted by the test, which records what it was asked and told. */
export function scriptedCredentials(script: {
  passphrases?: string[];
  password?: string;
  answers?: (prompts: { prompt: string; echo: boolean }[]) => string[] | undefined;
}): { provider: CredentialsProvider; asked: string[]; outcomes: SecretOutcome[] } {
  const asked: string[] = [];
  const outcomes: SecretOutcome[] = [];
  const passphrases = [...(script.passphrases ?? [])];
  const provider: CredentialsProvider = {
    async keyPassphrase(req) {
      asked.push(`passphrase ${req.keyPath} #${req.attempt}`);
      return passphrases.shift();
    },
    async password(req) {
      asked.push(`password ${req.user}@${req.endpoint} #${req.attempt}`);
      return script.password;
    },
    async keyboardInteractive(req) {
      asked.push(`kbd ${req.prompts.map((p) => p.prompt.trim()).join('|')}`);
      return script.answers?.(req.prompts);
    },
    report(outcome) {
      outcomes.push(outcome);
    },
  };
  return { provider, asked, outcomes };
}
