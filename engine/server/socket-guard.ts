/**
 * What stands between the network and a WebSocket: refusals answered on the HTTP response (never
 * a `101` then a close), a cap on sockets per peer address and in total, a heartbeat that drops
 * peers which stopped answering, and refusal warnings that cannot flood the engine log.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger';

export interface SocketLimits {
  /** Sockets one peer address may hold at once (every local tab shares 127.0.0.1). */
  perPeer: number;
  /** Sockets the whole server holds at once. */
  total: number;
  /** A peer that answers no ping within two of these is closed. */
  heartbeatMs: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = { perPeer: 64, total: 256, heartbeatMs: 30_000 };

/** Answers an upgrade request with a plain HTTP status and closes: the socket never becomes a WebSocket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Counts admitted sockets per peer address and in total, until each one closes. */
export class ConnectionCap {
  private readonly byPeer = new Map<string, number>();
  private count = 0;

  constructor(private readonly limits: Pick<SocketLimits, 'perPeer' | 'total'>) {}

  /** null when the socket is admitted (and counted until it closes), else the HTTP status to refuse with. */
  admit(socket: Duplex): 429 | 503 | null {
    const peer = (socket as Socket).remoteAddress ?? 'unknown';
    if (this.count >= this.limits.total) return 503;
    const held = this.byPeer.get(peer) ?? 0;
    if (held >= this.limits.perPeer) return 429;
    this.count++;
    this.byPeer.set(peer, held + 1);
    socket.once('close', () => {
      this.count--;
      const left = (this.byPeer.get(peer) ?? 1) - 1;
      if (left > 0) this.byPeer.set(peer, left);
      else this.byPeer.delete(peer);
    });
    return null;
  }

  get total(): number {
    return this.count;
  }
}

/**
 * Pings every client of `wss` each period; one that has not answered the previous ping is
 * terminated (its TCP connection may be gone without a FIN: a sleeping laptop, a cut cable).
 * Browsers answer pings by themselves. Returns the stop function.
 */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number): () => void {
  const alive = new WeakMap<WebSocket, boolean>();
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.on('pong', () => alive.set(ws, true));
      else if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A logger whose warnings are written at most once per window for each message; the next one
 * written says how many were held back. A flood of refused sockets costs a line a minute, not a
 * line a socket.
 */
export function throttledWarnings(logger: Logger, windowMs = 60_000): Logger {
  const windows = new Map<string, { start: number; held: number }>();
  return {
    ...logger,
    warn(msg, fields) {
      const now = Date.now();
      const w = windows.get(msg);
      if (w && now - w.start < windowMs) {
        w.held++;
        return;
      }
      windows.set(msg, { start: now, held: 0 });
      logger.warn(msg, { ...fields, ...(w?.held ? { heldBack: w.held } : {}) });
    },
  };
}
