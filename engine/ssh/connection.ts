import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { HangarError, type ErrorData } from '../contract/errors';
import { opScope, raceAbort, type OpScope } from '../common/abort';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../common/backoff';
import { openChannel, openExecDuplex, runExec, type ExecOptions, type ExecResult, type StreamOptions } from './channels';
import { resolveTarget, type ConfigSource, type SshTarget } from './config';
import type { CredentialsProvider } from './credentials';
import { dial, type Dialed } from './dial';
import type { HostKeyStore } from './host-keys';
import { loadKnownHosts } from './known-hosts';
import { shellQuote } from './shell-quote';
import { Slots } from './slots';

/** What every connection shares: stores, providers, files and tunables. */
export interface SshEnvironment {
  hostKeys: HostKeyStore;
  credentials?: CredentialsProvider;
  /** ~/.ssh/config location (or text), home dir and local user name. */
  sshConfig?: ConfigSource;
  /** Default: ~/.ssh/known_hosts, ~/.ssh/known_hosts2, /etc/ssh/ssh_known_hosts. */
  knownHostsFiles?: string[];
  /** Agent override: a socket path or 'pageant'; null disables; undefined follows IdentityAgent / SSH_AUTH_SOCK. */
  agent?: string | null;
  /** SSH-level keepalive (default every 2 s); a host that misses keepaliveCountMax (default 3) in a row is declared lost. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Per hop: TCP connect, handshake and auth, not counting time the user takes to answer a prompt. */
  connectTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Reconnect by itself after a drop or a network failure (default true). */
  autoReconnect?: boolean;
  /** Concurrent exec channels per connection; keep below sshd's MaxSessions (10). */
  maxSessions?: number;
  /** Asks per secret before giving up (OpenSSH NumberOfPasswordPrompts). */
  maxPrompts?: number;
}

export type SshState = 'disconnected' | 'connecting' | 'connected' | 'unreachable';

export interface SshStateEvent {
  hostId: string;
  state: SshState;
  /** ms since epoch of this change. */
  at: number;
  /** Consecutive failed attempts so far (0 once connected). */
  failures: number;
  /** Why the host is unreachable (or why the last connection ended). */
  lastError?: ErrorData;
  /** When the next automatic attempt starts (ms since epoch); absent when none is planned. */
  nextRetryAt?: number;
}

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Caps this call; the per-hop connect deadline applies anyway. Default: no extra cap. */
  timeoutMs?: number;
  /** The fingerprint ('SHA256:…') the user confirmed after HOST_KEY_UNKNOWN: pinned if the server shows exactly it. */
  acceptHostKey?: string;
  /** After HOST_KEY_CHANGED, reviewed by the user: pin `next` in place of `previous` if the server shows exactly `next`. */
  replaceHostKey?: { previous: string; next: string };
}

/** What the user decided about the host's key for one connect call. */
interface KeyDecision {
  accept: string | undefined;
  replace: { previous: string; next: string } | undefined;
}

const RETRYABLE = new Set(['UNREACHABLE', 'TIMEOUT']);

/**
 * SSH keepalive: a ping every 2 s, and a host that misses 3 in a row is lost, so a cut link is
 * noticed within 8 s (issue 13 asks for 10). The cost is one tiny global request per host every 2 s.
 */
const KEEPALIVE_INTERVAL_MS = 2_000;
const KEEPALIVE_COUNT_MAX = 3;
/** TCP connect deadline for reconnecting after a failure: SYN sent at 0 and resent at 1 s. */
const QUICK_TCP_CONNECT_MS = 2_500;

/**
 * One multiplexed SSH connection to one host: every exec, forward and stream is a channel on it.
 * It connects on first use, reconnects with backoff after a drop, and reports its state.
 */
export class SshConnection {
  private current: Dialed | undefined;
  private attempt: { promise: Promise<Dialed>; ctrl: AbortController } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Someone asked for this connection and did not close it: drops are repaired. */
  private wanted = false;
  private readonly slots: Slots;
  private readonly listeners = new Set<(e: SshStateEvent) => void>();
  private last: SshStateEvent;

  constructor(
    readonly hostId: string,
    readonly target: SshTarget,
    private readonly env: SshEnvironment,
  ) {
    this.slots = new Slots(env.maxSessions ?? 8);
    this.last = { hostId, state: 'disconnected', at: Date.now(), failures: 0 };
  }

  get state(): SshStateEvent {
    return this.last;
  }

  /** Session channels (exec, exec streams) this connection opens at once at most: sshd's MaxSessions, as learned. */
  get sessionCapacity(): number {
    return this.slots.capacity;
  }

  /** The SHA256 fingerprint of the key the host presented on the open connection, if any. */
  get hostKeyFingerprint(): string | undefined {
    return this.current?.hostKey.fingerprint;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onState(listener: (e: SshStateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects now (or joins the attempt under way). Rejects with the HangarError that stopped it. */
  async connect(opts: ConnectOptions = {}): Promise<void> {
    const scope = opScope(opts.timeoutMs ?? Number.POSITIVE_INFINITY, opts.signal);
    try {
      const decision = opts.acceptHostKey !== undefined || opts.replaceHostKey !== undefined ? { accept: opts.acceptHostKey, replace: opts.replaceHostKey } : undefined;
      if (decision && this.attempt) {
        // The attempt under way does not carry the user's decision: let it end, then retry with it.
        await this.attempt.promise.catch(() => undefined);
      }
      await this.client(scope, `Connecting to ${this.target.address}`, decision);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Runs a command. Pass an argument array (quoted by shellQuote, THE way arguments reach a remote
   * shell); a plain string is sent as is and must be a constant written in the code, never user input.
   */
  async exec(command: string | readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const line = typeof command === 'string' ? command : shellQuote(command);
    const scope = opScope(opts.timeoutMs ?? 60_000, opts.signal);
    try {
      return await this.inSession(scope, `Command on ${this.target.address}`, (client) => runExec(client, line, opts, scope));
    } finally {
      scope.dispose();
    }
  }

  /** A stream to a UNIX socket on the host (OpenSSH direct-streamlocal), e.g. libvirt's socket. */
  openStreamLocal(socketPath: string, opts: StreamOptions = {}): Promise<Duplex> {
    return this.open(`Forward to ${socketPath} on ${this.target.address}`, opts, (client, scope, what) =>
      openChannel(what, scope, (cb) => client.openssh_forwardOutStreamLocal(socketPath, cb)),
    );
  }

  /** A stream to host:port as seen from the remote host (direct-tcpip). */
  forwardOutTcp(host: string, port: number, opts: StreamOptions = {}): Promise<Duplex> {
    return this.open(`Forward to ${host}:${port} via ${this.target.address}`, opts, (client, scope, what) =>
      openChannel(what, scope, (cb) => client.forwardOut('127.0.0.1', 0, host, port, cb)),
    );
  }

  /**
   * A stream carried by a command's stdin/stdout, for hosts that forbid stream-local forwarding:
   * `openExecStream(['virt-ssh-helper', 'qemu:///system'])` or `['nc', '-U', '/run/libvirt/libvirt-sock']`.
   */
  async openExecStream(command: string | readonly string[], opts: StreamOptions = {}): Promise<Duplex> {
    const line = typeof command === 'string' ? command : shellQuote(command);
    const what = `Stream command on ${this.target.address}`;
    const scope = opScope(opts.timeoutMs ?? 15_000, opts.signal);
    try {
      return await this.inSession(scope, what, (client, release) =>
        openExecDuplex(client, line, scope).then((stream) => {
          stream.once('close', release);
          return stream;
        }),
        true,
      );
    } finally {
      scope.dispose();
    }
  }

  /** Ends the connection and any attempt or retry; it reconnects only when used again. */
  async close(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt?.ctrl.abort();
    const dialed = this.current;
    this.current = undefined;
    if (dialed) {
      const closed = new Promise<void>((resolve) => {
        dialed.client.once('close', () => resolve());
        setTimeout(resolve, 2_000).unref();
      });
      dialed.close();
      await closed;
    }
    this.emit({ state: 'disconnected' });
  }

  private async open(what: string, opts: StreamOptions, fn: (client: Client, scope: OpScope, what: string) => Promise<Duplex>): Promise<Duplex> {
    const scope = opScope(opts.timeoutMs ?? 15_000, opts.signal);
    try {
      const client = await this.client(scope, what);
      return await fn(client, scope, what);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Runs `fn` in a session slot. A session the server refuses while others of ours are open means
   * its MaxSessions is lower than our cap: the cap comes down to what it allowed, and the request
   * waits for a slot again. It never reached the server's shell, so asking again is safe for any
   * command. Refused with nothing else open, the refusal is real and is thrown.
   * `keep`: the slot stays taken after `fn` resolves (a stream releases it when it closes).
   */
  private async inSession<T>(scope: OpScope, what: string, fn: (client: Client, release: () => void) => Promise<T>, keep = false): Promise<T> {
    for (;;) {
      const client = await this.client(scope, what);
      let release: () => void;
      try {
        release = await this.slots.acquire(scope.signal);
      } catch {
        throw scope.error(what);
      }
      try {
        const result = await fn(client, release);
        if (!keep) release();
        return result;
      } catch (err) {
        const others = this.slots.inUse - 1;
        release();
        const refused = err instanceof HangarError && err.details?.['openFailed'] === true;
        if (!refused || others === 0 || scope.signal.aborted) throw err;
        this.slots.lowerTo(others);
      }
    }
  }

  private client(scope: OpScope, what: string, decision?: KeyDecision): Promise<Client> {
    if (this.current) return Promise.resolve(this.current.client);
    this.wanted = true;
    return raceAbort(this.start(decision, false), scope.signal, () => scope.error(what)).then((d) => d.client);
  }

  private start(decision: KeyDecision | undefined, automatic: boolean): Promise<Dialed> {
    if (this.attempt) return this.attempt.promise;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const ctrl = new AbortController();
    this.emit({ state: 'connecting' });
    const promise = this.dialOnce(decision, automatic, ctrl.signal).then(
      (dialed) => {
        this.attempt = undefined;
        if (!this.wanted) {
          dialed.close();
          throw new HangarError('CANCELLED', `Connection to ${this.target.address} was closed`);
        }
        this.adopt(dialed);
        return dialed;
      },
      (err: unknown) => {
        this.attempt = undefined;
        const e = HangarError.from(err);
        this.failed(e);
        throw e;
      },
    );
    this.attempt = { promise, ctrl };
    return promise;
  }

  private async dialOnce(decision: KeyDecision | undefined, automatic: boolean, signal: AbortSignal): Promise<Dialed> {
    const target = await resolveTarget(this.target, this.env.sshConfig);
    const home = this.env.sshConfig?.homeDir ?? homedir();
    const files = this.env.knownHostsFiles ?? [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts'];
    return dial(target, {
      hostId: this.hostId,
      credentials: this.env.credentials,
      hostKeys: { store: this.env.hostKeys, knownHosts: await loadKnownHosts(files), acceptFingerprint: decision?.accept, replaceFingerprint: decision?.replace },
      agent: this.env.agent,
      keepaliveIntervalMs: this.env.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: this.env.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX,
      timeoutMs: this.env.connectTimeoutMs ?? 20_000,
      // A host that was reachable and is lost now is probed often (HostLink); each probe must end
      // fast when the host still does not answer, so its TCP connect gets a short deadline.
      tcpConnectTimeoutMs: this.failures > 0 ? Math.min(QUICK_TCP_CONNECT_MS, this.env.connectTimeoutMs ?? 20_000) : (this.env.connectTimeoutMs ?? 20_000),
      maxPrompts: this.env.maxPrompts ?? 3,
      automatic,
      signal,
    });
  }

  private adopt(dialed: Dialed): void {
    this.current = dialed;
    this.failures = 0;
    let lastError: Error | undefined;
    dialed.client.on('error', (err: Error) => {
      lastError = err; // e.g. "Keepalive timeout", ECONNRESET: kept to say why the connection dropped
    });
    dialed.client.once('close', () => {
      if (this.current !== dialed) return; // closed on purpose
      this.current = undefined;
      const why = lastError ? `: ${lastError.message}` : '';
      const reason = lastError?.message === 'Keepalive timeout' ? 'keepalive' : 'link-lost';
      this.failed(new HangarError('UNREACHABLE', `Connection to ${this.target.address} was lost${why}`, { reason }));
    });
    this.emit({ state: 'connected' });
  }

  private failed(err: HangarError): void {
    if (!this.wanted || err.code === 'CANCELLED') {
      this.emit({ state: 'disconnected', lastError: err.toData() });
      return;
    }
    this.failures++;
    // Auth and host-key refusals need the user; retrying would only repeat them (or lock the account).
    if (this.env.autoReconnect === false || !RETRYABLE.has(err.code)) {
      this.emit({ state: 'unreachable', lastError: err.toData() });
      return;
    }
    const delay = backoffDelay(this.failures - 1, this.env.backoff ?? DEFAULT_BACKOFF);
    const nextRetryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.wanted && !this.current) this.start(undefined, true).catch(() => undefined); // outcome is reported as state
    }, delay);
    this.retryTimer.unref?.();
    this.emit({ state: 'unreachable', lastError: err.toData(), nextRetryAt });
  }

  private emit(e: Omit<SshStateEvent, 'hostId' | 'at' | 'failures'>): void {
    this.last = { hostId: this.hostId, at: Date.now(), failures: this.failures, ...e };
    for (const l of this.listeners) {
      try {
        l(this.last);
      } catch {
        // A listener's bug must not break the connection.
      }
    }
  }
}
