import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The WebSocket subprotocol that names the contract, and the prefix of the one carrying the token. */
export const WS_PROTOCOL = 'hangar.v1';
export const WS_TOKEN_PREFIX = 'hangar.token.';
/** POST here with `Authorization: Bearer <token>`: 204, 401 or 403, as the socket would be answered. */
export const WS_AUTH_CHECK_PATH = '/ws/auth';

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Constant-time token comparison. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function tokenFromProtocols(header: string | undefined): string | undefined {
  return header
    ?.split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(WS_TOKEN_PREFIX))
    ?.slice(WS_TOKEN_PREFIX.length);
}

/**
 * Only the UI this server itself serves may open the socket: a page from any other origin could
 * otherwise drive the engine through the user's browser (DNS rebinding, CSRF-like attacks).
 */
export function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  return origin !== undefined && allowed.has(origin);
}
