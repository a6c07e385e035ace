import type { HostAuth, HostFacts } from '../contract/hosts';
import type { Db } from '../store/db';

/** What is stored of a host; its live state is the manager's. */
export interface HostRecord {
  id: string;
  name: string;
  address: string;
  port: number | null;
  user: string | null;
  auth: HostAuth;
  keyPath: string | null;
  tags: string[];
  disconnected: boolean;
  facts: HostFacts | null;
  createdAt: number;
  /** libvirt's host UUID and the SHA256 of the SSH host key, as last seen (null until first seen). */
  hostUuid: string | null;
  hostKeyFingerprint: string | null;
}

interface Row {
  id: string;
  name: string;
  address: string;
  port: number | null;
  user: string | null;
  auth: HostAuth;
  key_path: string | null;
  tags: string;
  disconnected: number;
  facts: string | null;
  created_at: number;
  host_uuid: string | null;
  host_key_fingerprint: string | null;
}

const fromRow = (r: Row): HostRecord => ({
  id: r.id,
  name: r.name,
  address: r.address,
  port: r.port,
  user: r.user,
  auth: r.auth,
  keyPath: r.key_path,
  tags: JSON.parse(r.tags) as string[],
  disconnected: r.disconnected === 1,
  facts: r.facts ? (JSON.parse(r.facts) as HostFacts) : null,
  createdAt: r.created_at,
  hostUuid: r.host_uuid,
  hostKeyFingerprint: r.host_key_fingerprint,
});

export class HostRepo {
  constructor(private readonly db: Db) {}

  async all(): Promise<HostRecord[]> {
    return (await this.db.all<Row>('SELECT * FROM hosts ORDER BY created_at')).map(fromRow);
  }

  async save(h: HostRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO hosts(id, name, address, port, user, auth, key_path, tags, disconnected, facts, created_at, host_uuid, host_key_fingerprint)
       VALUES (@id, @name, @address, @port, @user, @auth, @key_path, @tags, @disconnected, @facts, @created_at, @host_uuid, @host_key_fingerprint)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, address = excluded.address, port = excluded.port, user = excluded.user,
         auth = excluded.auth, key_path = excluded.key_path, tags = excluded.tags, disconnected = excluded.disconnected, facts = excluded.facts,
         host_uuid = excluded.host_uuid, host_key_fingerprint = excluded.host_key_fingerprint`,
      {
        id: h.id,
        name: h.name,
        address: h.address,
        port: h.port,
        user: h.user,
        auth: h.auth,
        key_path: h.keyPath,
        tags: JSON.stringify(h.tags),
        disconnected: h.disconnected ? 1 : 0,
        facts: h.facts ? JSON.stringify(h.facts) : null,
        created_at: h.createdAt,
        host_uuid: h.hostUuid,
        host_key_fingerprint: h.hostKeyFingerprint,
      },
    );
  }

  async remove(id: string): Promise<void> {
    await this.db.batch([
      { sql: 'DELETE FROM hosts WHERE id = ?', params: [id] },
      { sql: 'DELETE FROM host_keys WHERE host_id = ?', params: [id] },
    ]);
  }
}
