/**
 * The transfer endpoints: `PUT /transfer/upload/<ticket>` streams the body into a volume upload,
 * `GET /transfer/download/<ticket>` streams a volume out. The ticket (from storage.uploadBegin /
 * uploadResume / downloadBegin, asked for over the authenticated contract) is the credential: single
 * use, short-lived, 256 random bits. A browser's request must come from the UI's own origin; the
 * Electron app's loopback server answers its app:// origin's CORS preflight and nothing else.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HangarError, type ErrorCode } from '../contract/errors';
import { TRANSFER_PATH } from '../contract/transfer';
import type { Logger } from '../logger';
import type { TransferEndpoints } from '../storage/transfer/service';

const ROUTE = new RegExp(`^${TRANSFER_PATH}/(upload|download)/([A-Za-z0-9_-]{20,100})$`);

const STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHORIZED: 401, INVALID_PARAMS: 400, CONFLICT: 409, NOT_FOUND: 404, CANCELLED: 409, TIMEOUT: 408, UNREACHABLE: 502 };

export interface TransferHttpOptions {
  /** Origins a browser request may come from (an Origin header elsewhere is refused; none is a non-browser client). */
  origins: ReadonlySet<string>;
  /** The one cross origin allowed, with CORS headers (the Electron app's app:// origin); null under `hangar serve`. */
  corsOrigin: string | null;
  logger: Logger;
}

/** Takes transfer paths (true) and leaves anything else to the caller (false). */
export function transferHandler(endpoints: TransferEndpoints, opts: TransferHttpOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const m = ROUTE.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m) return false;
    const kind = m[1] as 'upload' | 'download';
    const ticket = m[2]!;
    const cors: Record<string, string> = opts.corsOrigin ? { 'access-control-allow-origin': opts.corsOrigin, vary: 'origin' } : {};
    const origin = req.headers.origin;
    const fromOrigin = origin === undefined || opts.origins.has(origin) || (opts.corsOrigin !== null && origin === opts.corsOrigin);
    if (!fromOrigin) {
      opts.logger.warn('transfer refused: origin', { origin });
      res.writeHead(403, { 'content-type': 'text/plain' }).end('This origin may not transfer');
      return true;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(opts.corsOrigin ? 204 : 405, { ...cors, 'access-control-allow-methods': 'PUT, GET', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' }).end();
      return true;
    }
    const refuse = (err: unknown) => {
      const e = err instanceof HangarError ? err : new HangarError('INTERNAL', String(err));
      if (res.headersSent) return void res.destroy();
      res.writeHead(STATUS[e.code] ?? 500, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
      res.end(JSON.stringify({ code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) }));
    };
    if (kind === 'upload' && req.method === 'PUT') {
      const run = endpoints.takeUpload(ticket);
      if (!run) {
        refuse(new HangarError('UNAUTHORIZED', 'Unknown, used or expired upload ticket', { message: { key: 'transfer.err.ticket' } }));
        req.resume();
        return true;
      }
      run.offer({
        stream: req,
        settle: (err) => {
          if (err) refuse(err);
          else res.writeHead(204, { ...cors, 'cache-control': 'no-store' }).end();
        },
      });
      return true;
    }
    if (kind === 'download' && req.method === 'GET') {
      const run = endpoints.takeDownload(ticket);
      if (!run) {
        refuse(new HangarError('UNAUTHORIZED', 'Unknown, used or expired download ticket', { message: { key: 'transfer.err.ticket' } }));
        return true;
      }
      run.offer({
        stream: res,
        begin: (size) =>
          res.writeHead(200, {
            ...cors,
            'content-type': 'application/octet-stream',
            'content-length': String(size),
            // Volume names are letters, digits and . _ + - (StorageName): nothing to escape.
            'content-disposition': `attachment; filename="${run.ref.volume}"`,
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          }),
        fail: refuse,
      });
      return true;
    }
    res.writeHead(405, { ...cors, allow: kind === 'upload' ? 'PUT' : 'GET' }).end();
    return true;
  };
}

/**
 * The Electron app's transfer server: loopback only, transfer paths only, for windows served from
 * `appOrigin`. Returns the http:// origin the engine puts in transfer URLs.
 */
export async function startTransferServer(endpoints: TransferEndpoints, appOrigin: string, logger: Logger): Promise<{ origin: string; close(): Promise<void> }> {
  const handle = transferHandler(endpoints, { origins: new Set(), corsOrigin: appOrigin, logger });
  const server = http.createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404).end();
  });
  server.requestTimeout = 0; // an upload of many GiB takes longer than Node's default 5 minutes
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
