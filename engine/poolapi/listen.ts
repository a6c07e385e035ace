import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import type { TlsMaterial } from '../server/tls';

/** `ADDR:PORT` (`[::1]:8443` for IPv6) of --pools-listen. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^\[([0-9a-fA-F:]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535) || !(net.isIP(m[1]!) || /^[A-Za-z0-9.-]{1,253}$/.test(m[1]!))) {
    throw new Error(`--pools-listen must be ADDR:PORT (e.g. 0.0.0.0:5000 or 127.0.0.1:5000), got ${value}`);
  }
  return { host: m[1]!, port };
}

/** A certificate and key the user gave (PEM files); the certificate's fingerprint as browsers show it. */
export async function readTlsFiles(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
  const x509 = new crypto.X509Certificate(cert);
  if (!x509.checkPrivateKey(crypto.createPrivateKey(key))) throw new Error(`--pools-key ${keyFile} is not the key of --pools-cert ${certFile}`);
  const fingerprint = crypto.createHash('sha256').update(x509.raw).digest('hex').toUpperCase().match(/../g)!.join(':');
  return { cert, key, fingerprint };
}
