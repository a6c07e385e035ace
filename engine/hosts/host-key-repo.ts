import type { HostKeyRef, HostKeyStore, PinnedKey } from '../ssh/host-keys';
import type { Db } from '../store/db';

interface Row {
  key_type: string;
  public_key: string;
  fingerprint: string;
  pinned_at: string;
}

/** The SSH layer's HostKeyStore, kept in SQLite: the keys a user confirmed in Hangar. */
export class HostKeyRepo implements HostKeyStore {
  constructor(private readonly db: Db) {}

  async get(ref: HostKeyRef): Promise<PinnedKey | undefined> {
    const r = await this.db.get<Row>('SELECT key_type, public_key, fingerprint, pinned_at FROM host_keys WHERE endpoint = ?', [ref.endpoint]);
    return r ? { keyType: r.key_type, publicKey: r.public_key, fingerprint: r.fingerprint, pinnedAt: r.pinned_at } : undefined;
  }

  async pin(ref: HostKeyRef, key: PinnedKey): Promise<void> {
    await this.db.run(
      `INSERT INTO host_keys(endpoint, host_id, key_type, public_key, fingerprint, pinned_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(endpoint) DO UPDATE SET host_id = excluded.host_id, key_type = excluded.key_type,
         public_key = excluded.public_key, fingerprint = excluded.fingerprint, pinned_at = excluded.pinned_at`,
      [ref.endpoint, ref.hostId ?? null, key.keyType, key.publicKey, key.fingerprint, key.pinnedAt],
    );
  }

  /** Forgets a pin (the user re-keyed a host on purpose and asks Hangar to trust the new key). */
  async forget(endpoint: string): Promise<void> {
    await this.db.run('DELETE FROM host_keys WHERE endpoint = ?', [endpoint]);
  }
}
