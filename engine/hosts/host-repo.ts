import type { HostAuth, HostFacts, MaintenanceState } from '../contract/hosts';
import type { HostMaintenance } from '../contract/migration';

/** What is kept of a host's maintenance besides its state (HostMaintenance without the ids). */
export type MaintenanceDetail = Omit<HostMaintenance, 'hostId' | 'state'>;
export const NO_MAINTENANCE: MaintenanceDetail = { jobId: null, plan: null, since: null, error: null };
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
  maintenance: MaintenanceState;
  maintenanceDetail: MaintenanceDetail;
}

/** The columns stored as the record has them, under the same names. */
type SameColumns = Pick<HostRecord, 'id' | 'name' | 'address' | 'port' | 'user' | 'auth'>;

// Only these fields, never the rest of the object: a row may hold newer columns, a record more fields.
const same = ({ id, name, address, port, user, auth }: SameColumns): SameColumns => ({ id, name, address, port, user, auth });

// A type, not an interface: the row goes to SQLite as named parameters.
type Row = SameColumns & {
  key_path: string | null;
  tags: string;
  disconnected: number;
  facts: string | null;
  created_at: number;
  host_uuid: string | null;
  host_key_fingerprint: string | null;
  maintenance: MaintenanceState;
  maintenance_detail: string | null;
};

const fromRow = ({ key_path, tags, disconnected, facts, created_at, host_uuid, host_key_fingerprint, maintenance, maintenance_detail, ...r }: Row): HostRecord => ({
  ...same(r),
  keyPath: key_path,
  tags: JSON.parse(tags) as string[],
  disconnected: disconnected === 1,
  facts: facts ? (JSON.parse(facts) as HostFacts) : null,
  createdAt: created_at,
  hostUuid: host_uuid,
  hostKeyFingerprint: host_key_fingerprint,
  maintenance: maintenance ?? 'none',
  maintenanceDetail: maintenance_detail ? (JSON.parse(maintenance_detail) as MaintenanceDetail) : NO_MAINTENANCE,
});

const toRow = ({ keyPath, tags, disconnected, facts, createdAt, hostUuid, hostKeyFingerprint, maintenance, maintenanceDetail, ...h }: HostRecord): Row => ({
  ...same(h),
  key_path: keyPath,
  tags: JSON.stringify(tags),
  disconnected: disconnected ? 1 : 0,
  facts: facts ? JSON.stringify(facts) : null,
  created_at: createdAt,
  host_uuid: hostUuid,
  host_key_fingerprint: hostKeyFingerprint,
  maintenance,
  maintenance_detail: JSON.stringify(maintenanceDetail),
});

export class HostRepo {
  constructor(private readonly db: Db) {}

  async all(): Promise<HostRecord[]> {
    return (await this.db.all<Row>('SELECT * FROM hosts ORDER BY created_at')).map(fromRow);
  }

  async save(h: HostRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO hosts(id, name, address, port, user, auth, key_path, tags, disconnected, facts, created_at, host_uuid, host_key_fingerprint, maintenance, maintenance_detail)
       VALUES (@id, @name, @address, @port, @user, @auth, @key_path, @tags, @disconnected, @facts, @created_at, @host_uuid, @host_key_fingerprint, @maintenance, @maintenance_detail)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, address = excluded.address, port = excluded.port, user = excluded.user,
         auth = excluded.auth, key_path = excluded.key_path, tags = excluded.tags, disconnected = excluded.disconnected, facts = excluded.facts,
         host_uuid = excluded.host_uuid, host_key_fingerprint = excluded.host_key_fingerprint,
         maintenance = excluded.maintenance, maintenance_detail = excluded.maintenance_detail`,
      toRow(h),
    );
  }

  async remove(id: string): Promise<void> {
    await this.db.batch([
      { sql: 'DELETE FROM hosts WHERE id = ?', params: [id] },
      { sql: 'DELETE FROM host_keys WHERE host_id = ?', params: [id] },
    ]);
  }
}
