import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headlessCipher } from '../../../engine/secrets/key-cipher';
import { SecretStore } from '../../../engine/secrets/secret-store';
import { Db } from '../../../engine/store/db';
import type { SecretCipher } from '../../../engine/secrets/secret-cipher';

describe('secrets at rest', () => {
  it('are stored only as ciphertext, readable back with the same key file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-secrets-'));
    const keyFile = path.join(dir, 'secret.key');
    const db = await Db.open(path.join(dir, 'h.db'));
    const store = new SecretStore(db, await headlessCipher({ keyFile, env: {} }));
    await store.set('host:1:password', 'correct horse battery staple');
    const raw = await fs.readFile(path.join(dir, 'h.db'));
    const wal = await fs.readFile(path.join(dir, 'h.db-wal')).catch(() => Buffer.alloc(0));
    expect(Buffer.concat([raw, wal]).includes('correct horse')).toBe(false);
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    const again = new SecretStore(db, await headlessCipher({ keyFile, env: {} }));
    expect(await again.get('host:1:password')).toBe('correct horse battery staple');
    await store.delete('host:1:password');
    expect(await store.get('host:1:password')).toBeUndefined();
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('takes the key from HANGAR_SECRET_KEY and rejects a malformed one', async () => {
    const c = await headlessCipher({ keyFile: '/nonexistent/k', env: { HANGAR_SECRET_KEY: 'ab'.repeat(32) } });
    expect(c.backend).toBe('env-key');
    await expect(headlessCipher({ keyFile: '/nonexistent/k', env: { HANGAR_SECRET_KEY: 'short' } })).rejects.toThrow(/32 bytes/);
  });

  it('refuses to store when the cipher is unavailable, and says why', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-secrets-'));
    const db = await Db.open(path.join(dir, 'h.db'));
    const refusing: SecretCipher = {
      backend: 'basic_text',
      availability: async () => ({ available: false, reason: 'no keyring' }),
      encrypt: async () => new Uint8Array(),
      decrypt: async () => '',
    };
    await expect(new SecretStore(db, refusing).set('x', 'y')).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', message: 'no keyring' });
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
});
