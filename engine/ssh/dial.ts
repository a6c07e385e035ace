import ssh2 from 'ssh2';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import net, { type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { HangarError } from '../contract/errors';
import { createAuthSession } from './auth';
import type { ResolvedHop, ResolvedTarget } from './config';
import type { CredentialsProvider } from './credentials';
import { describeHostKey, type HostPublicKey } from './fingerprint';
import { preferredKeyTypes, verifyHostKey, type HostKeyPolicy, type HostKeyRef } from './host-keys';
import { knownHostName } from './known-hosts';

export interface DialOptions {
  hostId: string | undefined;
  credentials: CredentialsProvider | undefined;
  hostKeys: HostKeyPolicy;
  /** Agent override: a socket path or 'pageant'; null for no agent; undefined to follow config/env. */
  agent: string | null | undefined;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Per hop, for TCP connect + handshake + auth; time spent waiting on the user does not count. */
  timeoutMs: number;
  /** The TCP connect to the first hop alone (shorter when probing a host that was lost). */
  tcpConnectTimeoutMs: number;
  maxPrompts: number;
  /** A reconnect started by Hangar itself, not by a user action (see AuthContext.automatic). */
  automatic: boolean;
  signal: AbortSignal;
}

export interface Dialed {
  client: Client;
  /** The key the target presented and that was accepted: part of what identifies the host. */
  hostKey: HostPublicKey;
  /** Ends the target and every bastion behind it. */
  close(): void;
}

/** Host key algorithms ssh2 offers by default, in its order; known key types get moved first. */
const HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Connects to the target, through its ProxyJump chain: each bastion forwards to the next hop. */
export async function dial(target: ResolvedTarget, opts: DialOptions): Promise<Dialed> {
  const bastions: Client[] = [];
  const closeAll = (): void => {
    for (const c of [...bastions].reverse()) c.end();
  };
  let direct: Socket | undefined;
  try {
    const first = target.jumps[0] ?? target;
    direct = await tcpConnect(first.host, first.port, opts);
    coalesceWrites(direct);
    let sock: Readable = direct;
    for (const hop of target.jumps) {
      const { client } = await dialHop(hop, sock, undefined, opts);
      bastions.push(client);
      const next = target.jumps[bastions.length] ?? target;
      sock = await forwardTo(client, hop, next, opts);
    }
    const { client, hostKey } = await dialHop(target, sock, opts.hostId, opts);
    // Losing the target must not leave bastion sessions open, and losing a bastion ends the target
    // on its own (its socket is a channel of that bastion).
    client.once('close', closeAll);
    return {
      client,
      hostKey,
      close: () => {
        client.end();
        closeAll();
      },
    };
  } catch (err) {
    closeAll();
    direct?.destroy();
    throw err;
  }
}

/**
 * The TCP connection to the first hop, made here rather than by ssh2 so that its deadline is our
 * own: a lost host that still does not answer fails a probe in seconds, not after the full
 * handshake deadline. Refused, unreachable and unknown names fail at once, as the kernel says.
 */
function tcpConnect(host: string, port: number, opts: DialOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const done = (err: HangarError | undefined): void => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      sock.removeAllListeners('connect');
      sock.removeAllListeners('error');
      if (err) {
        sock.on('error', () => undefined);
        sock.destroy();
        reject(err);
      } else resolve(sock);
    };
    const details = { host, port };
    const timer = setTimeout(
      () => done(new HangarError('UNREACHABLE', `${host}:${port} did not answer within ${opts.tcpConnectTimeoutMs} ms`, { ...details, cause: 'ETIMEDOUT' })),
      opts.tcpConnectTimeoutMs,
    );
    const onAbort = (): void => done(new HangarError('CANCELLED', `Connecting to ${host}:${port} was cancelled`));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => done(undefined));
    sock.once('error', (err: Error & { code?: string }) => done(new HangarError('UNREACHABLE', `Cannot reach ${host}:${port}: ${err.code ?? err.message}`, { ...details, cause: err.code ?? err.message })));
  });
}

/**
 * ssh2 writes each SSH packet as three socket writes (length, body, MAC), and with TCP_NODELAY each
 * left at once: a burst of libvirt calls or window adjustments was many tiny segments and syscalls
 * on the engine's thread (on a veth the receiving side's network stack runs in that syscall too).
 * Writes made in one turn are corked and leave together, as one writev, when the turn ends.
 */
function coalesceWrites(sock: Socket): void {
  const write = sock.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Socket, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}

function forwardTo(bastion: Client, via: ResolvedHop, next: ResolvedHop, opts: DialOptions): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new HangarError('TIMEOUT', `Bastion ${via.alias} did not open a channel to ${next.host}:${next.port} in time`)), opts.timeoutMs);
    bastion.forwardOut('127.0.0.1', 0, next.host, next.port, (err, channel) => {
      clearTimeout(timer);
      if (err) {
        reject(new HangarError('UNREACHABLE', `Bastion ${via.alias} cannot reach ${next.host}:${next.port}: ${err.message}`, { host: next.host, port: next.port, via: via.alias }));
      } else resolve(channel);
    });
  });
}

function hopRef(hop: ResolvedHop, hostId: string | undefined): HostKeyRef {
  // With HostKeyAlias, OpenSSH looks keys up under the alias as written, with no port suffix.
  const endpoint = hop.hostKeyAlias ?? knownHostName(hop.host, hop.port);
  return { endpoint, host: hop.hostKeyAlias ?? hop.host, port: hop.port, hostId };
}

function agentFor(hop: ResolvedHop, override: string | null | undefined): string | undefined {
  if (override !== undefined) return override ?? undefined;
  if (hop.identityAgent === 'none') return undefined;
  if (hop.identityAgent !== undefined) return hop.identityAgent;
  if (process.platform === 'win32') return 'pageant';
  return process.env['SSH_AUTH_SOCK'] || undefined;
}

/** A timer for the connect deadline that stops while the user is being asked for something. */
function pausableTimer(ms: number, onExpire: () => void): { pause(): void; resume(): void; clear(): void } {
  let left = ms;
  let started = Date.now();
  let paused = 0;
  let t: NodeJS.Timeout | undefined = setTimeout(onExpire, left);
  return {
    pause() {
      if (paused++ === 0 && t) {
        clearTimeout(t);
        t = undefined;
        left -= Date.now() - started;
      }
    },
    resume() {
      if (--paused === 0) {
        started = Date.now();
        t = setTimeout(onExpire, Math.max(0, left));
      }
    },
    clear() {
      clearTimeout(t);
      t = undefined;
      paused = Number.NEGATIVE_INFINITY; // never restart
    },
  };
}

async function dialHop(hop: ResolvedHop, sock: Readable, hostId: string | undefined, opts: DialOptions): Promise<{ client: Client; hostKey: HostPublicKey }> {
  const ref = hopRef(hop, hostId);
  const preferred = (await preferredKeyTypes(ref, opts.hostKeys)).flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  const serverHostKey = [...new Set([...preferred.filter((a) => HOST_KEY_ALGOS.includes(a)), ...HOST_KEY_ALGOS])];
  const client = new ssh2.Client();

  let accepted: HostPublicKey | undefined;
  return new Promise<{ client: Client; hostKey: HostPublicKey }>((resolve, reject) => {
    let settled = false;
    let hostKeyError: HangarError | undefined;
    let lastError: (Error & { level?: string }) | undefined;
    const hopAbort = new AbortController();
    const finish = (err: HangarError | undefined): void => {
      if (settled) return;
      settled = true;
      timer.clear();
      opts.signal.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.removeListener('close', onClose);
      if (err) {
        hopAbort.abort();
        client.destroy();
        reject(err);
      } else if (!accepted) {
        client.destroy();
        reject(new HangarError('HOST_KEY_CHANGED', `${ref.endpoint} completed the handshake without a verified host key`));
      } else resolve({ client, hostKey: accepted });
    };
    const timer = pausableTimer(opts.timeoutMs, () => finish(new HangarError('TIMEOUT', `SSH connection to ${ref.endpoint} timed out after ${opts.timeoutMs} ms`, { host: hop.host, port: hop.port })));
    const onAbort = (): void => finish(new HangarError('CANCELLED', `Connecting to ${ref.endpoint} was cancelled`));
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const auth = createAuthSession({
      hop,
      context: { hostId, endpoint: ref.endpoint, host: hop.host, port: hop.port, user: hop.user, automatic: opts.automatic, signal: hopAbort.signal },
      credentials: opts.credentials,
      agent: agentFor(hop, opts.agent),
      maxPrompts: opts.maxPrompts,
      interact: async (ask) => {
        timer.pause();
        try {
          return await ask();
        } finally {
          timer.resume();
        }
      },
    });
    const onReady = (): void => {
      auth.succeeded();
      // Without TCP_NODELAY every request/answer over the connection (a libvirt call, a console
      // keystroke) waited ~40 ms: Nagle held our packet's tail until the host's delayed ACK came.
      client.setNoDelay(true);
      finish(undefined);
    };
    const onClose = (): void => {
      if (hostKeyError) return finish(hostKeyError);
      if (lastError?.level === 'client-authentication') return finish(auth.failure());
      finish(mapDialError(lastError, ref, hop));
    };
    // Keep an error listener for the client's whole life: an unheard 'error' would crash the process.
    client.on('error', (err: Error & { level?: string }) => {
      // Agent errors (no agent running, agent refused to sign) are not fatal: auth goes on.
      if (err.level !== 'agent') lastError = err;
    });
    client.on('ready', onReady);
    client.on('close', onClose);

    const config: ConnectConfig = {
      username: hop.user,
      readyTimeout: 0, // our own deadline, which pauses while the user types a passphrase
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      authHandler: auth.handler,
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        let key;
        try {
          key = describeHostKey(blob);
        } catch (err) {
          hostKeyError = new HangarError('HOST_KEY_CHANGED', `${ref.endpoint} presented a malformed host key: ${(err as Error).message}`);
          return verify(false);
        }
        verifyHostKey(ref, key, opts.hostKeys).then(
          () => {
            accepted = key;
            verify(true);
          },
          (err: unknown) => {
            hostKeyError = HangarError.from(err);
            verify(false);
          },
        );
      },
    };
    config.sock = sock;
    try {
      client.connect(config);
    } catch (err) {
      finish(new HangarError('INVALID_PARAMS', `Cannot connect to ${ref.endpoint}: ${(err as Error).message}`));
    }
  });
}

function mapDialError(err: (Error & { level?: string; code?: string }) | undefined, ref: HostKeyRef, hop: ResolvedHop): HangarError {
  const details = { host: hop.host, port: hop.port };
  if (!err) return new HangarError('UNREACHABLE', `${ref.endpoint} closed the connection before it was ready`, details);
  if (err.level === 'client-timeout') return new HangarError('TIMEOUT', `SSH handshake with ${ref.endpoint} timed out`, details);
  if (err.level === 'client-socket' || err.level === 'client-dns') {
    return new HangarError('UNREACHABLE', `Cannot reach ${hop.host}:${hop.port}: ${err.code ?? err.message}`, { ...details, cause: err.code ?? err.message });
  }
  return new HangarError('UNREACHABLE', `SSH connection to ${ref.endpoint} failed: ${err.message}`, { ...details, cause: err.message });
}
