import type { Vm } from '../contract/vms';
import type { Db, SqlParams } from '../store/db';

/** Rows parsed per slice at load: a 10,000-VM inventory never holds the engine thread for long. */
const PARSE_SLICE = 1000;

const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

export interface KnownInventory {
  /** When each host was last seen connected. */
  seenAt: Map<string, number>;
  /** Each host's copies as last persisted. */
  vms: Map<string, Vm[]>;
  /** How long the SQLite worker took to answer (the rest of the load is parsing here). */
  readMs: number;
}

/** One statement of a write batch (Db.batch runs a batch in one transaction in the SQLite worker). */
export type KnownWrite = { sql: string; params?: SqlParams };

/**
 * The last-known inventory in SQLite (migration 19): each host's copy of each VM as last seen live,
 * and when each host was last seen connected. SQL only; when to write is warm-start.ts's.
 */
export class KnownStore {
  constructor(private readonly db: Db) {}

  /**
   * The stored inventory of the hosts that are still in the fleet (the stored ones, and the local
   * host when `localId` is given: it is found anew at each start), parsed in slices that yield.
   */
  async load(localId: string | null): Promise<KnownInventory> {
    const t0 = performance.now();
    const hostRows = await this.db.all<{ host_id: string; seen_at: number }>('SELECT host_id, seen_at FROM inventory_hosts WHERE host_id IN (SELECT id FROM hosts) OR host_id = ?', [localId]);
    const seenAt = new Map(hostRows.map((r) => [r.host_id, r.seen_at]));
    const rows = seenAt.size ? await this.db.all<{ host_id: string; data: string }>('SELECT host_id, data FROM inventory_vms') : [];
    const readMs = performance.now() - t0;
    const vms = new Map<string, Vm[]>();
    for (let i = 0; i < rows.length; i += PARSE_SLICE) {
      if (i > 0) await yieldTurn();
      for (const r of rows.slice(i, i + PARSE_SLICE)) {
        if (!seenAt.has(r.host_id)) continue;
        let vm: Vm;
        try {
          vm = JSON.parse(r.data) as Vm;
        } catch {
          continue; // a row that does not parse is dropped: the host's next live fetch rewrites it
        }
        const list = vms.get(r.host_id);
        if (list) list.push(vm);
        else vms.set(r.host_id, [vm]);
      }
    }
    return { seenAt, vms, readMs };
  }

  dropCopy(hostId: string, uuid: string): KnownWrite {
    return { sql: 'DELETE FROM inventory_vms WHERE host_id = ? AND uuid = ?', params: [hostId, uuid] };
  }

  putCopy(vm: Vm): KnownWrite {
    return { sql: 'INSERT OR REPLACE INTO inventory_vms(host_id, uuid, data) VALUES (?, ?, ?)', params: [vm.hostId, vm.uuid, JSON.stringify(vm)] };
  }

  seen(hostId: string, at: number): KnownWrite {
    return { sql: 'INSERT INTO inventory_hosts(host_id, seen_at) VALUES (?, ?) ON CONFLICT(host_id) DO UPDATE SET seen_at = excluded.seen_at', params: [hostId, at] };
  }

  forgetHost(hostId: string): KnownWrite[] {
    return [
      { sql: 'DELETE FROM inventory_hosts WHERE host_id = ?', params: [hostId] },
      { sql: 'DELETE FROM inventory_vms WHERE host_id = ?', params: [hostId] },
    ];
  }

  write(statements: KnownWrite[]): Promise<unknown> {
    return statements.length ? this.db.batch(statements) : Promise.resolve();
  }
}
