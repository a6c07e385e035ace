import { HangarError } from '../contract/errors';
import type { Db } from '../store/db';
import type { SecretCipher, SecretWarning } from './secret-cipher';

/** Secrets by name (e.g. `host:<id>:password`), stored only as ciphertext in SQLite. */
export class SecretStore {
  constructor(
    private readonly db: Db,
    readonly cipher: SecretCipher,
  ) {}

  async status(): Promise<{ backend: string; available: boolean; reason?: string; warning?: SecretWarning }> {
    return { backend: this.cipher.backend, ...(await this.cipher.availability()) };
  }

  async set(name: string, value: string): Promise<void> {
    const { available, reason } = await this.cipher.availability();
    if (!available) throw new HangarError('SECRET_STORE_UNAVAILABLE', reason ?? 'Secrets cannot be stored here');
    const ciphertext = await this.cipher.encrypt(value);
    await this.db.run(
      `INSERT INTO secrets(name, backend, ciphertext, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET backend = excluded.backend, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      [name, this.cipher.backend, ciphertext, Date.now()],
    );
  }

  async get(name: string): Promise<string | undefined> {
    const row = await this.db.get<{ ciphertext: Uint8Array }>('SELECT ciphertext FROM secrets WHERE name = ?', [name]);
    return row ? this.cipher.decrypt(row.ciphertext) : undefined;
  }

  async delete(name: string): Promise<void> {
    await this.db.run('DELETE FROM secrets WHERE name = ?', [name]);
  }
}
