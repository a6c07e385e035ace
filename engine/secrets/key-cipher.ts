import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HangarError } from '../contract/errors';
import { assertOwnerOnly } from './key-file-mode';
import type { SecretCipher, SecretWarning } from './secret-cipher';

const VERSION = 1;

/** AES-256-GCM with a 32-byte key: the headless SecretCipher. Layout: version | iv(12) | tag(16) | data. */
export function aesGcmCipher(key: Buffer, backend: string, warning?: SecretWarning): SecretCipher {
  if (key.length !== 32) throw new HangarError('SECRET_STORE_UNAVAILABLE', 'The secret key must be 32 bytes');
  return {
    backend,
    availability: async () => ({ available: true, ...(warning ? { warning } : {}) }),
    async encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, c.getAuthTag(), data]);
    },
    async decrypt(blob) {
      const buf = Buffer.from(blob);
      if (buf.length < 29 || buf[0] !== VERSION) throw new HangarError('SECRET_STORE_UNAVAILABLE', 'Unreadable secret');
      const d = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(1, 13));
      d.setAuthTag(buf.subarray(13, 29));
      try {
        return Buffer.concat([d.update(buf.subarray(29)), d.final()]).toString('utf8');
      } catch {
        throw new HangarError('SECRET_STORE_UNAVAILABLE', 'A stored secret cannot be decrypted with this key');
      }
    },
  };
}

/**
 * The key for `hangar serve`: HANGAR_SECRET_KEY (64 hex chars or base64 of 32 bytes), else a key
 * file (created with mode 0600 on first use; refused when others can read it). The key file should
 * live apart from the data when the data dir is backed up or shared (a copy carries both the
 * ciphertext and its key): `--secret-key-file` says where, and a key beside the database given as
 * `dataDir` comes with a warning.
 */
export async function headlessCipher(opts: { env?: NodeJS.ProcessEnv; keyFile: string; dataDir?: string }): Promise<SecretCipher> {
  const fromEnv = (opts.env ?? process.env).HANGAR_SECRET_KEY;
  if (fromEnv) {
    const key = /^[0-9a-f]{64}$/i.test(fromEnv) ? Buffer.from(fromEnv, 'hex') : Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) {
      throw new HangarError('SECRET_STORE_UNAVAILABLE', 'HANGAR_SECRET_KEY must be 32 bytes (64 hex digits or base64)');
    }
    return aesGcmCipher(key, 'env-key');
  }
  let key: Buffer;
  try {
    await assertOwnerOnly(opts.keyFile, 'The secret key file');
    key = Buffer.from((await fs.readFile(opts.keyFile, 'utf8')).trim(), 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    key = crypto.randomBytes(32);
    await fs.mkdir(path.dirname(opts.keyFile), { recursive: true, mode: 0o700 });
    await fs.writeFile(opts.keyFile, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const beside = opts.dataDir !== undefined && path.resolve(path.dirname(opts.keyFile)) === path.resolve(opts.dataDir);
  return aesGcmCipher(key, 'key-file', beside ? { code: 'keyBesideDatabase', keyFile: opts.keyFile } : undefined);
}
