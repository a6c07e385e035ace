import type { HistoryEvent } from '../contract/events-history';
import type { Message } from '../contract/message';
import type { Logger } from '../logger';
import type { Db } from '../store/db';

const FLUSH_MS = 500;
const KEEP_DAYS = 90;

interface Row {
  id: number;
  at: number;
  host_id: string | null;
  vm_uuid: string | null;
  severity: HistoryEvent['severity'];
  message: string;
}

/**
 * The persisted history of hosts and VMs. Events arrive in bursts (a bulk start, a host coming
 * back), so writes are buffered and go to SQLite in one transaction per half second.
 */
export class EventLog {
  private buffer: Omit<HistoryEvent, 'id'>[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async init(): Promise<void> {
    await this.db.run('DELETE FROM events WHERE at < ?', [Date.now() - KEEP_DAYS * 86_400_000]);
  }

  record(e: { hostId: string | null; vmUuid?: string | null; severity?: HistoryEvent['severity']; message: Message; at?: number }): void {
    this.buffer.push({ at: e.at ?? Date.now(), hostId: e.hostId, vmUuid: e.vmUuid ?? null, severity: e.severity ?? 'info', message: e.message });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    await this.db
      .batch(batch.map((e) => ({ sql: 'INSERT INTO events(at, host_id, vm_uuid, severity, message) VALUES (?, ?, ?, ?, ?)', params: [e.at, e.hostId, e.vmUuid, e.severity, JSON.stringify(e.message)] })))
      .catch((err: unknown) => this.logger.error('event history write failed', { error: String(err), count: batch.length }));
  }

  async list(q: { hostId?: string | undefined; vmUuid?: string | undefined; limit: number }): Promise<HistoryEvent[]> {
    await this.flush(); // what just happened is part of the answer
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.hostId) {
      where.push('host_id = ?');
      params.push(q.hostId);
    }
    if (q.vmUuid) {
      where.push('vm_uuid = ?');
      params.push(q.vmUuid);
    }
    const rows = await this.db.all<Row>(`SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`, [...params, q.limit]);
    return rows.map((r) => ({ id: r.id, at: r.at, hostId: r.host_id, vmUuid: r.vm_uuid, severity: r.severity, message: JSON.parse(r.message) as Message }));
  }
}
