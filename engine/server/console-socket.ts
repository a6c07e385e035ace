/**
 * Console sockets: `/console/<vmId>` on the engine's WebSocket server (and, in the Electron app,
 * on a loopback-only server of their own). A socket is let in only from the UI's own origin and
 * only with a ticket from `console.open`, carried as a subprotocol so it never appears in a URL or
 * a log; the engine checks the ticket is valid, unused and for this VM.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CONSOLE_CLOSE, CONSOLE_PATH, CONSOLE_TICKET_PROTOCOL_PREFIX } from '../contract/console';
import type { Engine } from '../engine';
import type { Logger } from '../logger';
import { DEFAULT_SOCKET_LIMITS, refuseUpgrade, startHeartbeat, throttledWarnings } from './socket-guard';
import { originAllowed } from './ws-auth';

/** The viewer must offer this too: it is the one subprotocol echoed back (never the ticket). */
export const CONSOLE_DATA_PROTOCOL = 'binary';
/** Viewer → VM traffic is keystrokes and pointer moves: small. */
const MAX_VIEWER_MESSAGE = 256 * 1024;

export interface ConsoleUpgrade {
  /** Takes console paths (true) and leaves anything else to the caller (false). */
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Drops every console socket (server shutdown). */
  close(): void;
}

export function consoleUpgradeHandler(engine: Pick<Engine, 'attachConsole'>, origins: ReadonlySet<string>, logger: Logger, heartbeatMs = DEFAULT_SOCKET_LIMITS.heartbeatMs): ConsoleUpgrade {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_VIEWER_MESSAGE,
    handleProtocols: (protocols) => (protocols.has(CONSOLE_DATA_PROTOCOL) ? CONSOLE_DATA_PROTOCOL : false),
  });
  const stopHeartbeat = startHeartbeat(wss, heartbeatMs);
  const handle: ConsoleUpgrade['handle'] = (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (!pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
    let vmId: string;
    try {
      vmId = decodeURIComponent(pathname.slice(CONSOLE_PATH.length + 1));
    } catch {
      refuseUpgrade(socket, 400, 'Bad console path');
      return true;
    }
    if (!originAllowed(req, origins)) {
      logger.warn('console socket refused: origin', { origin: req.headers.origin ?? '(none)' });
      refuseUpgrade(socket, 403, 'This origin may not open a console');
      return true;
    }
    const ticket = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(CONSOLE_TICKET_PROTOCOL_PREFIX))
      ?.slice(CONSOLE_TICKET_PROTOCOL_PREFIX.length);
    wss.handleUpgrade(req, socket, head, (ws) => {
      (ws as unknown as { _socket?: Socket })._socket?.setNoDelay(true);
      if (!ticket) return ws.close(CONSOLE_CLOSE.BAD_TICKET, 'no console ticket');
      engine.attachConsole(vmId, ticket, ws);
    });
    return true;
  };
  return {
    handle,
    close() {
      stopHeartbeat();
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

/**
 * The Electron app's console server: loopback only, console paths only, for windows served from
 * `appOrigin`. Returns the ws:// origin the engine hands out in console tickets.
 */
export async function startConsoleServer(engine: Pick<Engine, 'attachConsole'>, appOrigin: string, logger: Logger): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const consoles = consoleUpgradeHandler(engine, new Set([appOrigin]), throttledWarnings(logger));
  server.on('upgrade', (req, socket, head) => {
    if (!consoles.handle(req, socket, head)) refuseUpgrade(socket, 404, 'Not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `ws://127.0.0.1:${port}`,
    close: () => {
      consoles.close();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
