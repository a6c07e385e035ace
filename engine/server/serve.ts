import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONSOLE_PATH } from '../contract/console';
import type { Engine } from '../engine';
import type { Logger } from '../logger';
import { consoleUpgradeHandler, type ConsoleUpgrade } from './console-socket';
import { contentSecurityPolicy } from './csp';
import { DEFAULT_SOCKET_LIMITS, ConnectionCap, refuseUpgrade, startHeartbeat, throttledWarnings, type SocketLimits } from './socket-guard';
import { readStatic } from './static-files';
import { transferHandler } from './transfer-http';
import type { TlsMaterial } from './tls';
import { WS_AUTH_CHECK_PATH, WS_PROTOCOL, originAllowed, tokenFromProtocols, tokenMatches } from './ws-auth';

export interface ServeOptions {
  /**
   * The engine, or its start still under way (issue 20: relaunch). The server listens and serves the
   * page at once; sockets opened meanwhile keep their messages until the engine is there, so the
   * browser loads and parses the UI while the engine opens SQLite and loads the last-known list.
   */
  engine: Engine | Promise<Engine>;
  logger: Logger;
  host: string;
  port: number;
  token: string;
  staticDir: string;
  tls?: TlsMaterial;
  limits?: Partial<SocketLimits>;
}

export interface RunningServer {
  /** The URL to open, token included (in the fragment, so it never reaches a log or a Referer). */
  url: string;
  origin: string;
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Messages a socket may send while the engine starts (a page sends a dozen subscriptions and calls). */
const MAX_EARLY_MESSAGES = 200;

function allowedOrigins(host: string, port: number, scheme: string): Set<string> {
  const names = new Set([host, '127.0.0.1', 'localhost', '[::1]']);
  if (host === '0.0.0.0' || host === '::') names.delete(host);
  return new Set([...names].map((n) => `${scheme}://${n.includes(':') && !n.startsWith('[') ? `[${n}]` : n}:${port}`));
}

/** `hangar serve`: the built UI over HTTP(S) and the contract over a WebSocket at /ws. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const scheme = opts.tls ? 'https' : 'http';
  let origins = new Set<string>();
  // Volume uploads and downloads (ticketed: the ticket came over the authenticated socket, so none
  // can arrive before the engine is there).
  let transfer: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null = null;
  let consoleUpgrade: ConsoleUpgrade | null = null;
  let closing = false;
  const engineReady = Promise.resolve(opts.engine);
  const onRequest: http.RequestListener = (req, res) => {
    if (transfer?.(req, res)) return;
    void (async () => {
      if (req.method === 'POST' && new URL(req.url ?? '/', 'http://x').pathname === WS_AUTH_CHECK_PATH) {
        // A browser cannot read the status of a refused WebSocket handshake: the UI asks here
        // whether its token is still good, to tell "engine away" from "new token".
        const refusal = authorize(req, req.headers.authorization?.replace(/^Bearer /, ''));
        res.writeHead(refusal?.status ?? 204, { 'cache-control': 'no-store' }).end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const file = await readStatic(opts.staticDir, req.url ?? '/');
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      res.writeHead(200, {
        'content-type': file.type,
        'content-security-policy': contentSecurityPolicy(),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': file.type.startsWith('text/html') ? 'no-store' : 'public, max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    })().catch((err) => {
      opts.logger.error('http request failed', { error: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  // An upload of many GiB takes longer than Node's default 5 minutes per request; headers still time out.
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origins = allowedOrigins(opts.host, port, scheme);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const limits = { ...DEFAULT_SOCKET_LIMITS, ...opts.limits };
  const log = throttledWarnings(opts.logger);
  const cap = new ConnectionCap(limits);
  const ready = engineReady.then((engine) => {
    transfer = transferHandler(engine.transfers, { get origins() { return origins; }, corsOrigin: null, logger: opts.logger });
    if (!closing) consoleUpgrade = consoleUpgradeHandler(engine, origins, log, limits.heartbeatMs);
    return engine;
  });
  ready.catch(() => undefined); // the caller awaits the engine itself and reports its failure
  const stopHeartbeat = startHeartbeat(wss, limits.heartbeatMs);
  // Everything is decided on the HTTP request: a refused socket never sees a `101`.
  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const isConsole = pathname.startsWith(`${CONSOLE_PATH}/`);
    if (!isConsole && pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not found');
    if (!isConsole) {
      const refusal = authorize(req, tokenFromProtocols(req.headers['sec-websocket-protocol']));
      if (refusal) {
        log.warn(`websocket refused: ${refusal.reason}`, refusal.reason === 'origin' ? { origin: req.headers.origin ?? '(none)' } : {});
        return refuseUpgrade(socket, refusal.status, refusal.message);
      }
    }
    const full = cap.admit(socket);
    if (full) {
      log.warn('websocket refused: too many connections', { peer: req.socket.remoteAddress, total: cap.total });
      return refuseUpgrade(socket, full, full === 429 ? 'Too many connections from this address' : 'Too many connections');
    }
    if (isConsole) {
      if (consoleUpgrade) consoleUpgrade.handle(req, socket, head);
      else refuseUpgrade(socket, 503, 'The engine is starting');
    } else wss.handleUpgrade(req, socket, head, attach);
  });

  function authorize(req: http.IncomingMessage, token: string | undefined): { reason: 'origin' | 'token'; status: 401 | 403; message: string } | null {
    if (!originAllowed(req, origins)) return { reason: 'origin', status: 403, message: 'This origin may not connect to Hangar' };
    if (!tokenMatches(opts.token, token)) {
      return { reason: 'token', status: 401, message: 'Missing or wrong access token: open the URL `hangar serve` printed' };
    }
    return null;
  }

  function attach(ws: WebSocket): void {
    let session: ReturnType<Engine['openSession']> | null = null;
    let gone = false;
    const early: unknown[] = [];
    ws.on('message', (data, isBinary) => {
      let parsed: unknown;
      try {
        if (isBinary) throw new Error('binary');
        parsed = JSON.parse(data.toString());
      } catch {
        parsed = { invalid: true };
      }
      if (session) session.receive(parsed);
      else if (early.length < MAX_EARLY_MESSAGES) early.push(parsed); // the engine is still starting: kept, in order
      else ws.terminate();
    });
    const end = () => {
      gone = true;
      session?.close();
    };
    ws.on('close', end);
    ws.on('error', end);
    void ready.then(
      (engine) => {
        if (gone) return;
        session = engine.openSession((msg) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
        });
        for (const m of early.splice(0)) session.receive(m);
      },
      () => ws.terminate(),
    );
  }

  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const origin = `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  return {
    url: `${origin}/#token=${opts.token}`,
    origin,
    port,
    async close() {
      closing = true;
      stopHeartbeat();
      for (const c of wss.clients) c.terminate();
      wss.close();
      consoleUpgrade?.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Browsers hold idle keep-alive connections (and a tab may keep asking): close() alone waits for them.
      server.closeAllConnections();
      await closed;
    },
  };
}
