import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { assertOwnerOnly } from '../secrets/key-file-mode';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, colon-separated hex, as browsers show it. */
  fingerprint: string;
}

const generateKeyPair = promisify(crypto.generateKeyPair);

function fingerprintOf(certPem: string): string {
  const der = new crypto.X509Certificate(certPem).raw;
  return crypto.createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * The certificate `hangar serve` uses when it listens beyond loopback: self-signed, made once with
 * node-forge and kept in the data dir, so its fingerprint stays the one users pinned.
 * The RSA key comes from Node's async generator: forge's is synchronous and would block.
 */
export async function loadOrCreateTls(dir: string, hostnames: string[]): Promise<TlsMaterial> {
  const certFile = path.join(dir, 'serve-cert.pem');
  const keyFile = path.join(dir, 'serve-key.pem');
  try {
    await assertOwnerOnly(keyFile, 'The TLS private key');
    const [cert, key] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
    return { cert, key, fingerprint: fingerprintOf(cert) };
  } catch (err) {
    // Only a missing file means first use: a key others can read is refused, not replaced.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey, publicKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01' + crypto.randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 825 * 24 * 3600 * 1000);
  const attrs = [{ name: 'commonName', value: 'Hangar serve' }, { name: 'organizationName', value: 'Hangar' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const altNames = hostnames.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(keyFile, privateKey, { mode: 0o600 });
  await fs.writeFile(certFile, certPem, { mode: 0o644 });
  return { cert: certPem, key: privateKey, fingerprint: fingerprintOf(certPem) };
}
