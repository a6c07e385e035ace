import { EventEmitter } from 'node:events';
import { HOST_RECOVERY, recoveryDelay, type RecoveryPolicy } from '../common/backoff';
import { HangarError, type ErrorData } from '../contract/errors';
import type { LibvirtConnection, LibvirtEvent } from '../libvirt';

export type LinkState = 'connecting' | 'connected' | 'unreachable' | 'closed';

export interface LinkStatus {
  state: LinkState;
  lastError?: ErrorData;
  /** When the next probe starts; absent while one runs, and when the host needs the user first. */
  nextRetryAt?: number;
  /** Since when the host has been lost (ms since epoch); absent while connected. */
  lostAt?: number;
}

interface HostLinkEvents {
  /** A libvirt event from the host (lifecycle, device, job, pool, network…). */
  event: [LibvirtEvent];
  /** A (re)connected libvirt session: the inventory should refetch, it may have missed events. */
  connected: [LibvirtConnection];
  status: [LinkStatus];
}

/** Opens a fresh libvirt connection to the host: over its SSH connection, or the local socket. */
export type OpenLibvirt = (signal: AbortSignal) => Promise<LibvirtConnection>;

/** Refusals that another try cannot fix: the user must act (trust a key, fix a credential). */
const NEEDS_USER = new Set(['HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'AUTH_FAILED', 'INVALID_PARAMS']);

/**
 * A host's libvirt session, kept open. When the daemon restarts or the link drops, it probes the
 * host every 2–3 s for the first two minutes (then backing off), registers the events again on
 * success and says `connected` so the inventory reconciles what it missed. A refusal only the user
 * can fix parks it until `retryNow`. Each probe is one open attempt: over SSH that is a short TCP
 * connect when the connection is gone (SshConnection), else one exec and one libvirt open.
 */
export class HostLink extends EventEmitter<HostLinkEvents> {
  private conn: LibvirtConnection | null = null;
  private status: LinkStatus = { state: 'connecting' };
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;
  /** Ends the current wait between probes early (Retry now). */
  private wake: (() => void) | null = null;

  constructor(
    private readonly openLibvirt: OpenLibvirt,
    private readonly policy: RecoveryPolicy = HOST_RECOVERY,
  ) {
    super();
  }

  get current(): LinkStatus {
    return this.status;
  }

  /**
   * Starts the link; resolves with the first connection or rejects with why the first attempt
   * failed. Either way the link keeps trying in the background until closed.
   */
  start(): Promise<LibvirtConnection> {
    if (this.loop) throw new HangarError('CONFLICT', 'The link is started already');
    let settled = false;
    return new Promise<LibvirtConnection>((resolve, reject) => {
      this.loop = this.run((outcome) => {
        if (settled) return;
        settled = true;
        if (outcome instanceof HangarError) reject(outcome);
        else resolve(outcome);
      });
    });
  }

  /** Probes now instead of waiting for the next probe (also after a refusal that needed the user). */
  retryNow(): void {
    this.wake?.();
  }

  /** The open connection, or UNREACHABLE with the last error while reconnecting. */
  connection(): LibvirtConnection {
    if (this.conn && !this.conn.closed) return this.conn;
    const why = this.status.lastError?.message ?? (this.status.state === 'connecting' ? 'The host is still connecting: try again in a moment' : 'The host is reconnecting');
    throw new HangarError('UNREACHABLE', why, this.status.lastError ? { ...this.status.lastError } : undefined);
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    await this.conn?.close();
    await this.loop?.catch(() => undefined);
    this.setStatus({ state: 'closed' });
  }

  private async run(firstOutcome: (o: LibvirtConnection | HangarError) => void): Promise<void> {
    let lostAt = Date.now();
    let slowAttempt = 0;
    while (!this.stop.signal.aborted) {
      const startedAt = Date.now();
      this.setStatus({ state: this.status.state === 'unreachable' ? 'unreachable' : 'connecting', ...this.lostPart(lostAt) });
      let conn: LibvirtConnection;
      try {
        conn = await this.open();
      } catch (err) {
        if (this.stop.signal.aborted) return;
        const e = HangarError.from(err);
        firstOutcome(e);
        const elapsed = Date.now() - lostAt;
        if (NEEDS_USER.has(e.code)) {
          this.setStatus({ state: 'unreachable', lastError: e.toData(), lostAt });
          await this.pause(Number.POSITIVE_INFINITY);
        } else {
          // Probes are spaced from the start of the last one, so a slow probe does not add its own time.
          const delay = Math.max(0, recoveryDelay(elapsed, slowAttempt, this.policy) - (Date.now() - startedAt));
          if (elapsed >= this.policy.fastForMs) slowAttempt++;
          this.setStatus({ state: 'unreachable', lastError: e.toData(), nextRetryAt: Date.now() + delay, lostAt });
          await this.pause(delay);
        }
        continue;
      }
      firstOutcome(conn);
      slowAttempt = 0;
      const closed = await this.closed(conn);
      if (this.stop.signal.aborted) return;
      lostAt = Date.now();
      this.setStatus({ state: 'unreachable', lastError: closed.toData(), nextRetryAt: lostAt, lostAt });
    }
  }

  private lostPart(lostAt: number): { lostAt?: number; lastError?: ErrorData } {
    return this.status.state === 'unreachable' ? { lostAt, ...(this.status.lastError ? { lastError: this.status.lastError } : {}) } : {};
  }

  private async open(): Promise<LibvirtConnection> {
    const conn = await this.openLibvirt(this.stop.signal);
    try {
      conn.on('event', (ev) => this.emit('event', ev));
      await conn.registerInventoryEvents();
    } catch (err) {
      await conn.close();
      throw err;
    }
    if (this.stop.signal.aborted) {
      await conn.close();
      throw new HangarError('CANCELLED', 'The link was closed');
    }
    this.conn = conn;
    this.setStatus({ state: 'connected' });
    this.emit('connected', conn);
    return conn;
  }

  private closed(conn: LibvirtConnection): Promise<HangarError> {
    if (conn.closed) return Promise.resolve(new HangarError('UNREACHABLE', 'The libvirt connection closed', { reason: 'libvirt-lost' }));
    return new Promise<HangarError>((resolve) => {
      const onStop = (): void => resolve(new HangarError('CANCELLED', 'The link was closed'));
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      conn.once('close', (err) => {
        this.stop.signal.removeEventListener('abort', onStop);
        resolve(err);
      });
    });
  }

  /** Waits `ms` (Infinity: until retryNow or close). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      timer?.unref?.();
      this.wake = done;
      if (this.stop.signal.aborted) done();
    });
  }

  private setStatus(s: LinkStatus): void {
    this.status = s;
    this.emit('status', s);
  }
}
