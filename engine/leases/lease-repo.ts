import type { Lease, LeasePool, LeaseHistoryRecord } from '../contract/pools';
import type { Db } from '../store/db';

/** What the engine keeps about a lease beyond what the contract shows. */
export interface LeaseRecord extends Lease {
  /** The storage pool of its disks on its host (the base image's). */
  storagePool: string | null;
  network: string;
  sshAuthorizedKeys: string[];
  guestUser: string;
  idempotencyKey: string | null;
  /** When deletion began (for delete_duration_secs). */
  deletingAt: number | null;
  endReason: 'released' | 'expired' | 'failed' | null;
  /** Hosts tried and given up on (no address): a retry goes elsewhere. */
  triedHostIds: string[];
}

/** A pre-booted VM waiting to become a lease. */
export interface Spare {
  id: string;
  os: string;
  state: 'booting' | 'ready' | 'failed';
  hostId: string | null;
  hostName: string | null;
  vmUuid: string | null;
  vmName: string;
  ipaddr: string | null;
  storagePool: string | null;
  cpus: number;
  memoryMiB: number;
  diskBytes: number | null;
  createdAt: number;
  readyAt: number | null;
  jobId: string | null;
}

/** Strips the engine's own fields: what the contract shows. */
export function publicLease(r: LeaseRecord): Lease {
  const { storagePool: _p, network: _n, sshAuthorizedKeys: _k, guestUser: _g, idempotencyKey: _i, deletingAt: _d, endReason: _e, triedHostIds: _t, ...lease } = r;
  return lease;
}

const secs = (ms: number | null) => (ms === null ? null : ms / 1000);

/** The seed's history document of a lease (see contract LeaseHistoryRecord for the field names). */
export function historyRecord(r: LeaseRecord): LeaseHistoryRecord {
  const created = r.readyAt ?? r.createdAt;
  const ended = r.endedAt;
  return {
    id: r.id,
    vmUuid: r.vmUuid,
    name: r.name,
    os: r.os,
    os_version: '',
    cpus: r.cpus,
    memory: r.memoryMiB * 1024 * 1024,
    disk: r.diskBytes,
    ipaddr: r.ipaddr,
    username: r.username,
    owner: r.owner,
    host: r.hostId,
    origin: r.hostName,
    poolId: r.os,
    prevUser: '',
    ver: '1',
    created_time: created / 1000,
    create_duration_secs: r.readyAt === null ? null : Math.round((r.readyAt - r.createdAt) / 1000),
    deleted_time: secs(ended),
    delete_duration_secs: ended !== null && r.deletingAt !== null ? Math.round((ended - r.deletingAt) / 1000) : null,
    live_duration_secs: ended !== null ? Math.round((ended - created) / 1000) : null,
    state: r.state === 'provisioning' ? 'creating' : r.state === 'ready' || r.state === 'releasing' ? 'available' : r.state === 'failed' ? 'failed' : 'deleted',
    endReason: r.endReason,
    fromSpare: r.fromSpare,
    attempts: r.attempts,
  };
}

/** Pools, leases and spares in SQLite (migration 16). */
export class LeaseRepo {
  constructor(private readonly db: Db) {}

  async pools(): Promise<LeasePool[]> {
    return (await this.db.all<{ doc: string }>('SELECT doc FROM lease_pools ORDER BY os')).map((r) => JSON.parse(r.doc) as LeasePool);
  }
  async savePool(p: LeasePool): Promise<void> {
    await this.db.run('INSERT INTO lease_pools (os, doc, updated_at) VALUES (?, ?, ?) ON CONFLICT(os) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at', [p.os, JSON.stringify(p), p.updatedAt]);
  }
  async deletePool(os: string): Promise<void> {
    await this.db.run('DELETE FROM lease_pools WHERE os = ?', [os]);
  }

  /** Leases not yet over: the engine keeps them in memory. */
  async liveLeases(): Promise<LeaseRecord[]> {
    const rows = await this.db.all<{ doc: string }>("SELECT doc FROM leases WHERE state IN ('provisioning', 'ready', 'releasing') ORDER BY created_at");
    return rows.map((r) => JSON.parse(r.doc) as LeaseRecord);
  }
  async saveLease(r: LeaseRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO leases (id, os, owner, name, state, created_at, expires_at, idempotency_key, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at, doc = excluded.doc`,
      [r.id, r.os, r.owner, r.name, r.state, r.createdAt, r.expiresAt, r.idempotencyKey, JSON.stringify(r)],
    );
  }
  async saveLeases(rs: LeaseRecord[]): Promise<void> {
    await this.db.batch(
      rs.map((r) => ({
        sql: `INSERT INTO leases (id, os, owner, name, state, created_at, expires_at, idempotency_key, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT(id) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at, doc = excluded.doc`,
        params: [r.id, r.os, r.owner, r.name, r.state, r.createdAt, r.expiresAt, r.idempotencyKey, JSON.stringify(r)],
      })),
    );
  }
  async byIdempotencyKey(owner: string, key: string): Promise<LeaseRecord[]> {
    const rows = await this.db.all<{ doc: string }>('SELECT doc FROM leases WHERE owner = ? AND idempotency_key = ? ORDER BY name', [owner, key]);
    return rows.map((r) => JSON.parse(r.doc) as LeaseRecord);
  }
  async lease(id: string): Promise<LeaseRecord | null> {
    const row = await this.db.get<{ doc: string }>('SELECT doc FROM leases WHERE id = ?', [id]);
    return row ? (JSON.parse(row.doc) as LeaseRecord) : null;
  }
  async history(q: { os?: string | undefined; owner?: string | undefined; username?: string | undefined; from?: number | undefined; to?: number | undefined; limit: number }): Promise<LeaseRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.os) (where.push('os = ?'), args.push(q.os));
    if (q.owner) (where.push('owner = ?'), args.push(q.owner));
    if (q.from !== undefined) (where.push('created_at >= ?'), args.push(q.from * 1000));
    if (q.to !== undefined) (where.push('created_at <= ?'), args.push(q.to * 1000));
    const sql = `SELECT doc FROM leases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT ?`;
    const rows = await this.db.all<{ doc: string }>(sql, [...args, q.limit]);
    const out = rows.map((r) => JSON.parse(r.doc) as LeaseRecord);
    return q.username ? out.filter((r) => r.username === q.username) : out;
  }

  async spares(): Promise<Spare[]> {
    return (await this.db.all<{ doc: string }>('SELECT doc FROM lease_spares')).map((r) => JSON.parse(r.doc) as Spare);
  }
  async saveSpare(s: Spare): Promise<void> {
    await this.db.run('INSERT INTO lease_spares (id, os, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc', [s.id, s.os, JSON.stringify(s)]);
  }
  async deleteSpare(id: string): Promise<void> {
    await this.db.run('DELETE FROM lease_spares WHERE id = ?', [id]);
  }
}
