/**
 * Issue 21 #7: a key file others can read is refused, not used silently; the database and its WAL
 * are created owner-only; a secret key kept beside the database it protects is pointed out.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headlessCipher } from '../../../engine/secrets/key-cipher';
import { SecretStore } from '../../../engine/secrets/secret-store';
import { loadOrCreateTls } from '../../../engine/server/tls';
import { Db } from '../../../engine/store/db';

const posix = process.platform !== 'win32';
let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-keyperm-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
const mode = async (f: string) => (await fs.stat(f)).mode & 0o777;

describe.skipIf(!posix)('key file permissions', () => {
  it.each(['644', '640', '604', '660', '620'])('refuses a secret key file with mode %s, saying how to fix it', async (octal) => {
    const m = parseInt(octal, 8);
    const keyFile = path.join(dir, 'keys', 'secret.key');
    await headlessCipher({ keyFile, env: {} }); // created 0600
    await fs.chmod(keyFile, m);
    await expect(headlessCipher({ keyFile, env: {} })).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', message: expect.stringContaining(`chmod 600 ${keyFile}`) });
    await fs.chmod(keyFile, 0o600);
    await expect(headlessCipher({ keyFile, env: {} })).resolves.toBeTruthy();
    await fs.chmod(keyFile, 0o400);
    await expect(headlessCipher({ keyFile, env: {} })).resolves.toBeTruthy();
  });

  it('refuses a TLS key others can read instead of using (or replacing) it', async () => {
    const tlsDir = path.join(dir, 'tls');
    const first = await loadOrCreateTls(tlsDir, ['127.0.0.1']);
    const keyFile = path.join(tlsDir, 'serve-key.pem');
    expect(await mode(keyFile)).toBe(0o600);
    await fs.chmod(keyFile, 0o644);
    await expect(loadOrCreateTls(tlsDir, ['127.0.0.1'])).rejects.toThrow(`chmod 600 ${keyFile}`);
    expect(await fs.readFile(keyFile, 'utf8')).toBe(first.key); // not regenerated behind the user's back
    await fs.chmod(keyFile, 0o600);
    expect((await loadOrCreateTls(tlsDir, ['127.0.0.1'])).fingerprint).toBe(first.fingerprint);
  });

  it('creates the database and its WAL and shared-memory files owner-only, whatever the umask', async () => {
    const old = process.umask(0o022);
    try {
      const file = path.join(dir, 'hangar.db');
      const db = await Db.open(file);
      await db.run('CREATE TABLE IF NOT EXISTS t(x)');
      await db.run('INSERT INTO t VALUES (1)');
      expect(await mode(file)).toBe(0o600);
      expect(await mode(`${file}-wal`)).toBe(0o600);
      expect(await mode(`${file}-shm`)).toBe(0o600);
      await db.close();
    } finally {
      process.umask(old);
    }
  });

  it('tightens a database an older version left 0644', async () => {
    const file = path.join(dir, 'hangar.db');
    await (await Db.open(file)).close();
    await fs.chmod(file, 0o644);
    const db = await Db.open(file);
    expect(await mode(file)).toBe(0o600);
    await db.close();
  });

  it('warns when the secret key sits in the same directory as the database it protects', async () => {
    const beside = await headlessCipher({ keyFile: path.join(dir, 'secret.key'), dataDir: dir, env: {} });
    expect((await beside.availability()).warning).toEqual({ code: 'keyBesideDatabase', keyFile: path.join(dir, 'secret.key') });
    const apart = await headlessCipher({ keyFile: path.join(dir, 'elsewhere', 'secret.key'), dataDir: dir, env: {} });
    expect((await apart.availability()).warning).toBeUndefined();
    const db = await Db.open(path.join(dir, 'hangar.db'));
    expect((await new SecretStore(db, beside).status()).warning?.code).toBe('keyBesideDatabase');
    await db.close();
  });
});
