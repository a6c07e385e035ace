import type http from 'node:http';
import { HangarError, type ErrorCode } from '../contract/errors';

/** Largest request body the listener reads (a lease request is a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;

/** What a handler answers: the listener writes it. */
export interface Reply {
  status: number;
  body: string;
  type: 'text/plain' | 'application/json';
  headers?: Record<string, string>;
}

export const text = (status: number, body: string): Reply => ({ status, body, type: 'text/plain' });
export const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: JSON.stringify(value),
  type: 'application/json',
  ...(headers ? { headers } : {}),
});

/** The HTTP status of an engine error. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'INVALID_PARAMS':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'TIMEOUT':
      return 504;
    case 'CANCELLED':
      return 499;
    case 'UNSUPPORTED':
      return 501;
    case 'UNREACHABLE':
      return 503;
    default:
      return 500;
  }
}

/** A refusal a handler throws to answer with a given status (429 quota, 400 input …). */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ErrorCode = status === 401 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : status === 429 ? 'CONFLICT' : 'INVALID_PARAMS',
  ) {
    super(message);
  }
}

/** An error's status and a one-line message fit for a client (no stack, no newlines). */
export function describeError(err: unknown): { status: number; code: ErrorCode; message: string } {
  if (err instanceof HttpRefusal) return { status: err.status, code: err.code, message: err.message };
  const e = HangarError.from(err);
  const status = statusOf(e.code);
  // An internal failure's words may carry paths or host output: the client gets a plain sentence.
  const message = status >= 500 && e.code === 'INTERNAL' ? 'internal error (see the engine log)' : e.message.replace(/[\r\n]+/g, ' ').slice(0, 500);
  return { status, code: e.code, message };
}

/** The request body, refused past MAX_BODY_BYTES (413) and parsed as JSON (400 when not). */
export async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw new HttpRefusal(413, `request body over ${MAX_BODY_BYTES} bytes`, 'BAD_REQUEST');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpRefusal(413, `request body over ${MAX_BODY_BYTES} bytes`, 'BAD_REQUEST');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpRefusal(400, 'request body is not JSON');
  }
}

/** Path segments of a raw request URL, percent-decoded one by one (so `..%2F` stays inside its segment and is seen). */
export function pathSegments(rawUrl: string): string[] | null {
  const pathname = rawUrl.split('?')[0] ?? '/';
  try {
    return pathname
      .split('/')
      .slice(1)
      .filter((s, i, all) => s !== '' || i < all.length - 1)
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

export function queryOf(rawUrl: string): URLSearchParams {
  const i = rawUrl.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : rawUrl.slice(i + 1));
}

/** Credentials of a request: Basic (`user:token`, what curl makes of `https://user:token@host/`) or Bearer. */
export function credentialsOf(req: http.IncomingMessage): { user: string | null; secret: string } | null {
  const h = req.headers.authorization;
  if (!h || h.length > 1024) return null;
  const m = /^(Basic|Bearer)\s+(\S+)$/i.exec(h.trim());
  if (!m) return null;
  if (m[1]!.toLowerCase() === 'bearer') return { user: null, secret: m[2]! };
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  return { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
