import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMsg } from '../contract/envelope';
import { HangarError } from '../contract/errors';
import type { Engine } from '../engine';
import type { Logger } from '../logger';
import { consoleUpgradeHandler } from './console-socket';
import { contentSecurityPolicy } from './csp';
import { readStatic } from './static-files';
import type { TlsMaterial } from './tls';
import { WS_PROTOCOL, originAllowed, tokenFromProtocols, tokenMatches } from './ws-auth';

export interface ServeOptions {
  engine: Engine;
  logger: Logger;
  host: string;
  port: number;
  token: string;
  staticDir: string;
  tls?: TlsMaterial;
}

export interface RunningServer {
  /** The URL to open, token included (in the fragment, so it never reaches a log or a Referer). */
  url: string;
  origin: string;
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Close codes a client can act on: re-authenticate vs. stop retrying. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;

function allowedOrigins(host: string, port: number, scheme: string): Set<string> {
  const names = new Set([host, '127.0.0.1', 'localhost', '[::1]']);
  if (host === '0.0.0.0' || host === '::') names.delete(host);
  return new Set([...names].map((n) => `${scheme}://${n.includes(':') && !n.startsWith('[') ? `[${n}]` : n}:${port}`));
}

/** `hangar serve`: the built UI over HTTP(S) and the contract over a WebSocket at /ws. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const scheme = opts.tls ? 'https' : 'http';
  const onRequest: http.RequestListener = (req, res) => {
    void (async () => {
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origins = allowedOrigins(opts.host, port, scheme);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const consoleUpgrade = consoleUpgradeHandler(opts.engine, origins, opts.logger);
  server.on('upgrade', (req, socket, head) => {
    if (consoleUpgrade.handle(req, socket, head)) return;
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Refused connections still get one error envelope: a client sees why, not just a drop.
      const refuse = (closeCode: number, err: HangarError) => {
        const msg: ServerMsg = { type: 'response', id: null, ok: false, error: err.toData() };
        ws.send(JSON.stringify(msg), () => ws.close(closeCode, err.code));
      };
      if (!originAllowed(req, origins)) {
        opts.logger.warn('websocket refused: origin', { origin: req.headers.origin ?? '(none)' });
        return refuse(CLOSE_FORBIDDEN, new HangarError('FORBIDDEN', 'This origin may not connect to Hangar'));
      }
      if (!tokenMatches(opts.token, tokenFromProtocols(req.headers['sec-websocket-protocol']))) {
        opts.logger.warn('websocket refused: token');
        return refuse(CLOSE_UNAUTHORIZED, new HangarError('UNAUTHORIZED', 'Missing or wrong access token: open the URL `hangar serve` printed'));
      }
      attach(ws);
    });
  });

  function attach(ws: WebSocket): void {
    const session = opts.engine.openSession((msg) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    });
    ws.on('message', (data, isBinary) => {
      let parsed: unknown;
      try {
        if (isBinary) throw new Error('binary');
        parsed = JSON.parse(data.toString());
      } catch {
        parsed = { invalid: true };
      }
      session.receive(parsed);
    });
    ws.on('close', () => session.close());
    ws.on('error', () => session.close());
  }

  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const origin = `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  return {
    url: `${origin}/#token=${opts.token}`,
    origin,
    port,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      consoleUpgrade.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
