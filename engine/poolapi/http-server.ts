import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiToken } from '../contract/api-tokens';
import type { Logger } from '../logger';
import type { TlsMaterial } from '../server/tls';
import { credentialsOf, describeError, json, pathSegments, queryOf, text, type Reply } from './http-util';
import { openApiDocument } from './openapi';
import { PoolApi } from './pool-api';
import { seedError } from './seed-format';
import { SEED_ROUTES } from './seed-routes';
import type { PoolApiDeps } from './service';
import { handleV1, v1DeadlineMs } from './v1-routes';

export interface PoolApiServerOptions {
  deps: PoolApiDeps;
  logger: Logger;
  host: string;
  port: number;
  /** Required beyond loopback (the caller decides: bind-policy). */
  tls?: TlsMaterial;
}

export interface RunningPoolApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Connections the listener keeps at once (CI jobs wait on /getservers for minutes). */
const MAX_CONNECTIONS = 256;

/**
 * The pools REST listener of `hangar serve --pools-listen`: the seed's endpoints (so its curl
 * lines and Jenkins snippets work as they are, credentials in the URL) and /api/v1 with its
 * OpenAPI document. Every request but the document needs a token; every request has a deadline
 * and a bounded body.
 */
export async function startPoolApiServer(opts: PoolApiServerOptions): Promise<RunningPoolApi> {
  const api = new PoolApi(opts.deps);
  const scheme = opts.tls ? 'https' : 'http';

  const onRequest: http.RequestListener = (req, res) => {
    const started = Date.now();
    const ac = new AbortController();
    let user = '-';
    const send = (r: Reply) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(r.status, {
        'content-type': `${r.type}; charset=utf-8`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        ...(r.status === 401 ? { 'www-authenticate': 'Basic realm="hangar pools", charset="UTF-8"' } : {}),
        ...r.headers,
      });
      res.end(r.body);
      opts.logger.info('pools api', { method: req.method, path: (req.url ?? '').split('?')[0]!.slice(0, 200), status: r.status, ms: Date.now() - started, user });
    };
    // A client that goes away ends what it was waiting for (the leases stay, as leases do).
    res.on('close', () => ac.abort());
    void (async () => {
      const rawUrl = req.url ?? '/';
      const segments = pathSegments(rawUrl);
      const query = queryOf(rawUrl);
      const method = req.method ?? 'GET';
      const isV1 = segments?.[0] === 'api' && segments[1] === 'v1';
      const fail = (status: number, message: string) => (isV1 ? json(status, { error: { code: status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST', message: `Error: ${message}` } }) : text(status, seedError(message)));
      if (!segments) return send(fail(400, 'malformed URL'));
      if (isV1 && method === 'GET' && segments.length === 3 && segments[2] === 'openapi.json') {
        const host = req.headers.host && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(req.headers.host) ? `${scheme}://${req.headers.host}` : undefined;
        return send(json(200, openApiDocument(host)));
      }
      const seedRoute = !isV1 ? SEED_ROUTES[segments[0] ?? ''] : undefined;
      if (!isV1 && !seedRoute) return send(fail(404, 'not found'));
      if (!isV1 && method !== 'GET') return send(fail(405, 'only GET'));

      const creds = credentialsOf(req);
      const token: ApiToken | null = creds ? await opts.deps.tokens.verify(creds.secret, creds.user) : null;
      if (!token) return send(fail(401, 'missing or unknown API token (create one in Settings; use https://user:token@host/ or Authorization: Bearer)'));
      user = token.user;
      const keyHeader = req.headers['idempotency-key'];
      const idempotencyKey = typeof keyHeader === 'string' && keyHeader.length > 0 ? keyHeader : undefined;
      if (idempotencyKey && (idempotencyKey.length > 200 || !/^[\x21-\x7e]+$/.test(idempotencyKey))) return send(fail(400, 'Idempotency-Key must be 1-200 printable characters'));

      const v1Segments = segments.slice(2);
      const deadlineMs = isV1 ? v1DeadlineMs(method, v1Segments, query) : seedRoute!.deadlineMs;
      const timer = setTimeout(() => ac.abort(new Error('deadline')), deadlineMs);
      try {
        const reply = isV1
          ? await handleV1({ api, token, req, method, segments: v1Segments, query, signal: ac.signal, idempotencyKey })
          : await seedRoute!.handle({ api, token, segments, query, signal: ac.signal, idempotencyKey });
        if (ac.signal.aborted && !res.destroyed) return send(fail(504, `no answer within ${Math.round(deadlineMs / 1000)} s`));
        send(reply);
      } finally {
        clearTimeout(timer);
      }
    })().catch((err: unknown) => {
      const { status, message } = describeError(err);
      opts.logger.warn('pools api request failed', { error: String(err) });
      send(text(status, seedError(message)));
    });
  };

  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  // Receiving a request is bounded; answering one is bounded per route (a deadline above).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 64;
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
