import { createHash } from 'node:crypto';

/** A host's public key as the user and the stores see it. */
export interface HostPublicKey {
  /** e.g. 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa' (the type named inside the key blob). */
  keyType: string;
  /** The SSH wire-format key blob, base64 (the second field of a known_hosts or .pub line). */
  publicKey: string;
  /** 'SHA256:<base64 without padding>', exactly as `ssh-keygen -lf` and `ssh` print it. */
  fingerprint: string;
}

export function sha256Fingerprint(blob: Buffer): string {
  // OpenSSH strips the base64 '=' padding; keeping it would make fingerprints look different.
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first SSH string of the blob: uint32 length, then ASCII. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) throw new Error('Malformed SSH public key: too short');
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) throw new Error('Malformed SSH public key: bad type length');
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function describeHostKey(blob: Buffer): HostPublicKey {
  return { keyType: keyTypeOf(blob), publicKey: blob.toString('base64'), fingerprint: sha256Fingerprint(blob) };
}

/** Same key? Compares blobs, not fingerprints or types, so no encoding quirk can make two keys equal. */
export function sameKey(a: { publicKey: string }, b: { publicKey: string }): boolean {
  return Buffer.from(a.publicKey, 'base64').equals(Buffer.from(b.publicKey, 'base64'));
}
