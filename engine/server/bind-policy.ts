import net from 'node:net';
import { HangarError } from '../contract/errors';

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Beyond loopback, the token would cross a network in clear: refuse unless the user says so
 * explicitly, and then only with TLS (the caller makes and pins the certificate).
 */
export function checkBind(host: string, allowRemote: boolean): { tls: boolean } {
  if (isLoopback(host)) return { tls: false };
  if (!allowRemote) {
    throw new HangarError(
      'FORBIDDEN',
      `Refusing to listen on ${host}: it is reachable from other machines. Pass --allow-remote to serve beyond loopback (TLS is then switched on).`,
    );
  }
  return { tls: true };
}
