import { EventEmitter } from 'node:events';
import { sleep } from '../common/abort';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../common/backoff';
import { HangarError, type ErrorData } from '../contract/errors';
import type { LibvirtConnection, LibvirtEvent } from '../libvirt';

export type LinkState = 'connecting' | 'connected' | 'unreachable' | 'closed';

export interface LinkStatus {
  state: LinkState;
  lastError?: ErrorData;
  nextRetryAt?: number;
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

/**
 * A host's libvirt session, kept open: when the daemon restarts or the link drops, it reconnects
 * with backoff and registers the events again, then says `connected` so the inventory reconciles
 * what it missed.
 */
export class HostLink extends EventEmitter<HostLinkEvents> {
  private conn: LibvirtConnection | null = null;
  private status: LinkStatus = { state: 'connecting' };
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly openLibvirt: OpenLibvirt,
    private readonly backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, initialMs: 500, maxMs: 30_000 },
  ) {
    super();
  }

  get current(): LinkStatus {
    return this.status;
  }

  /** Starts the link and resolves with the first connection (or rejects with why it failed). */
  async start(): Promise<LibvirtConnection> {
    const first = await this.open();
    this.loop = this.watch(first);
    return first;
  }

  /** The open connection, or UNREACHABLE with the last error while reconnecting. */
  connection(): LibvirtConnection {
    if (this.conn && !this.conn.closed) return this.conn;
    const why = this.status.lastError?.message ?? (this.status.state === 'connecting' ? 'The host is still connecting: try again in a moment' : 'The host is reconnecting');
    throw new HangarError('UNREACHABLE', why, this.status.lastError ? { ...this.status.lastError } : undefined);
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.conn?.close();
    await this.loop?.catch(() => undefined);
    this.setStatus({ state: 'closed' });
  }

  private async open(): Promise<LibvirtConnection> {
    this.setStatus({ state: 'connecting' });
    const conn = await this.openLibvirt(this.stop.signal);
    conn.on('event', (ev) => this.emit('event', ev));
    await conn.registerInventoryEvents();
    this.conn = conn;
    this.setStatus({ state: 'connected' });
    this.emit('connected', conn);
    return conn;
  }

  private async watch(conn: LibvirtConnection): Promise<void> {
    let current = conn;
    while (!this.stop.signal.aborted) {
      const closed = current.closed
        ? new HangarError('UNREACHABLE', 'The libvirt connection closed')
        : await new Promise<HangarError>((resolve) => current.once('close', resolve));
      if (this.stop.signal.aborted) return;
      let attempt = 0;
      let lastError: ErrorData = closed.toData();
      for (;;) {
        const delay = backoffDelay(attempt++, this.backoff);
        this.setStatus({ state: 'unreachable', lastError, nextRetryAt: Date.now() + delay });
        try {
          await sleep(delay, this.stop.signal);
          current = await this.open();
          break;
        } catch (err) {
          if (this.stop.signal.aborted) return;
          lastError = HangarError.from(err).toData();
        }
      }
    }
  }

  private setStatus(s: LinkStatus): void {
    this.status = s;
    this.emit('status', s);
  }
}
