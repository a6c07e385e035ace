/**
 * Metrics history in SQLite: raw samples (24 h), 1-minute avg+max (7 days), 1-hour avg+max
 * (1 year). Samples collect in memory for the current minute; when a minute closes, one batched
 * transaction writes every entity's raw row and 1-minute rollup. Hours are rolled up from the
 * stored minutes (so a restart loses nothing but the minute in flight); pruning is per entity by
 * primary key, never a table scan. Queries merge what is still in memory, so charts are current.
 */
import { SERIES, type EntityKind, type MetricValues } from '../contract/metrics';
import type { Db } from '../store/db';
import type { Values } from './rates';
import { aggregate, bucketize, decodeAgg, decodeRaw, encodeAgg, encodeRaw, type Point } from './rollup';

export const RETENTION_SEC = { raw: 86_400, '1m': 7 * 86_400, '1h': 366 * 86_400 } as const;
export type Res = keyof typeof RETENTION_SEC;
const STEP_SEC: Record<Res, number> = { raw: 5, '1m': 60, '1h': 3600 };

interface MinuteBuf {
  key: string;
  kind: EntityKind;
  label: string;
  minute: number; // epoch s
  samples: { offsetSec: number; values: Values }[];
}

export interface EntityPoints {
  key: string;
  kind: EntityKind;
  label: string;
  points: Point[];
}

type Row = { entity: number; t: number; data: Uint8Array };

export class MetricsStore {
  private readonly ids = new Map<string, { id: number; kind: EntityKind; label: string }>();
  private readonly byId = new Map<number, string>();
  private current = new Map<string, MinuteBuf>();
  private currentMinute = -1;
  private writing: Promise<void> = Promise.resolve();
  /** Hours before this (epoch s) are rolled up. */
  private rolledUntil = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async init(): Promise<void> {
    const rows = await this.db.all<{ id: number; key: string; kind: EntityKind; label: string }>('SELECT id, key, kind, label FROM metric_entity');
    for (const r of rows) {
      this.ids.set(r.key, { id: r.id, kind: r.kind, label: r.label });
      this.byId.set(r.id, r.key);
    }
    const last = await this.db.get<{ t: number | null }>('SELECT max(t) AS t FROM metric_1h');
    const nowH = Math.floor(this.now() / 3_600_000) * 3600;
    this.rolledUntil = last?.t != null ? last.t + 3600 : nowH;
  }

  /** One round of samples at `at` (epoch ms). */
  add(at: number, entities: readonly MetricValues[]): void {
    const minute = Math.floor(at / 60_000) * 60;
    if (minute !== this.currentMinute) {
      if (this.current.size) this.closeMinute();
      this.currentMinute = minute;
    }
    const offsetSec = at / 1000 - minute;
    for (const e of entities) {
      let b = this.current.get(e.key);
      if (!b) this.current.set(e.key, (b = { key: e.key, kind: e.kind, label: e.label, minute, samples: [] }));
      b.label = e.label;
      b.samples.push({ offsetSec, values: e.values });
    }
  }

  private closeMinute(): void {
    const bufs = [...this.current.values()];
    this.current = new Map();
    this.writing = this.writing.then(() => this.writeMinute(bufs)).catch(() => undefined);
  }

  private async entityId(key: string, kind: EntityKind, label: string): Promise<number> {
    const known = this.ids.get(key);
    if (known && known.label === label) return known.id;
    await this.db.run(
      'INSERT INTO metric_entity(key, kind, label) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET label = excluded.label',
      [key, kind, label],
    );
    const row = await this.db.get<{ id: number }>('SELECT id FROM metric_entity WHERE key = ?', [key]);
    this.ids.set(key, { id: row!.id, kind, label });
    this.byId.set(row!.id, key);
    return row!.id;
  }

  private async writeMinute(bufs: MinuteBuf[]): Promise<void> {
    const statements: { sql: string; params: (number | Uint8Array)[] }[] = [];
    for (const b of bufs) {
      const n = SERIES[b.kind].length;
      const id = await this.entityId(b.key, b.kind, b.label);
      const agg = aggregate(b.samples.map((s) => ({ t: 0, avg: s.values, max: s.values })), n);
      statements.push({ sql: 'INSERT OR REPLACE INTO metric_raw(entity, t, data) VALUES (?, ?, ?)', params: [id, b.minute, encodeRaw(b.samples, n)] });
      statements.push({ sql: 'INSERT OR REPLACE INTO metric_1m(entity, t, data) VALUES (?, ?, ?)', params: [id, b.minute, encodeAgg(agg.avg, agg.max, n)] });
    }
    if (statements.length) await this.db.batch(statements);
    // Roll only hours whose minutes are all written (not "now": writes may lag behind the clock).
    if (bufs.length) await this.rollupHours(bufs[0]!.minute * 1000);
  }

  /** Rolls complete hours from the stored minutes into 1-hour rows, then prunes. */
  async rollupHours(untilMs: number = this.now()): Promise<void> {
    const nowH = Math.floor(untilMs / 3_600_000) * 3600;
    while (this.rolledUntil < nowH) {
      const h = this.rolledUntil;
      const rows = await this.db.all<Row>('SELECT entity, t, data FROM metric_1m WHERE t >= ? AND t < ?', [h, h + 3600]);
      const per = new Map<number, Point[]>();
      for (const r of rows) {
        const key = this.byId.get(r.entity);
        const kind = key ? this.ids.get(key)?.kind : undefined;
        if (!kind) continue;
        let list = per.get(r.entity);
        if (!list) per.set(r.entity, (list = []));
        list.push(decodeAgg(r.data, r.t, SERIES[kind].length));
      }
      const statements = [...per.entries()].map(([entity, pts]) => {
        const kind = this.ids.get(this.byId.get(entity)!)!.kind;
        const n = SERIES[kind].length;
        const a = aggregate(pts, n);
        return { sql: 'INSERT OR REPLACE INTO metric_1h(entity, t, data) VALUES (?, ?, ?)', params: [entity, h, encodeAgg(a.avg, a.max, n)] };
      });
      if (statements.length) await this.db.batch(statements);
      this.rolledUntil = h + 3600;
      await this.prune();
    }
  }

  /** Drops what is past each resolution's retention: one primary-key range delete per entity. */
  async prune(): Promise<void> {
    const now = Math.floor(this.now() / 1000);
    const statements: { sql: string; params: number[] }[] = [];
    for (const { id } of this.ids.values()) {
      statements.push({ sql: 'DELETE FROM metric_raw WHERE entity = ? AND t < ?', params: [id, now - RETENTION_SEC.raw] });
      statements.push({ sql: 'DELETE FROM metric_1m WHERE entity = ? AND t < ?', params: [id, now - RETENTION_SEC['1m']] });
      statements.push({ sql: 'DELETE FROM metric_1h WHERE entity = ? AND t < ?', params: [id, now - RETENTION_SEC['1h']] });
    }
    if (statements.length) await this.db.batch(statements);
  }

  /** Writes the minute in flight (engine close; tests). */
  async flush(): Promise<void> {
    if (this.current.size) this.closeMinute();
    this.currentMinute = -1;
    await this.writing;
  }

  /**
   * The resolution for a chart: raw up to 3 h, minutes up to 2 days, hours beyond (a 7-day chart
   * of 168 hourly avg+max points reads 60× fewer rows than minutes: bench:metrics measured 160 ms
   * for a VM's week of minutes against a 50 ms goal). Always within the resolution's retention.
   */
  static resolutionFor(fromMs: number, toMs: number, nowMs: number): Res {
    const span = toMs - fromMs;
    if (fromMs >= nowMs - RETENTION_SEC.raw * 1000 && span <= 3 * 3_600_000) return 'raw';
    if (fromMs >= nowMs - RETENTION_SEC['1m'] * 1000 && span <= 2 * 86_400_000) return '1m';
    return '1h';
  }

  keysWithPrefix(prefix: string): string[] {
    const out = new Set<string>();
    for (const k of this.ids.keys()) if (k.startsWith(prefix)) out.add(k);
    for (const k of this.current.keys()) if (k.startsWith(prefix)) out.add(k);
    return [...out];
  }

  keysOfKind(kind: EntityKind): string[] {
    const out = new Set<string>();
    for (const [k, v] of this.ids) if (v.kind === kind) out.add(k);
    for (const [k, v] of this.current) if (v.kind === kind) out.add(k);
    return [...out];
  }

  labelOf(key: string): string {
    return this.current.get(key)?.label ?? this.ids.get(key)?.label ?? key;
  }

  /**
   * Points for entities in [fromMs, toMs) at a resolution, each bucketed to bucketMs. 1-hour reads
   * add the stored minutes of the hour not yet rolled up; every read adds the minute in memory.
   */
  async points(keys: readonly string[], res: Res, fromMs: number, toMs: number, bucketMs: number): Promise<EntityPoints[]> {
    await this.writing;
    const fromS = Math.floor(fromMs / 1000);
    const toS = Math.ceil(toMs / 1000);
    const known = keys.map((k) => ({ key: k, meta: this.ids.get(k) })).filter((x) => x.meta);
    const acc = new Map<string, Point[]>(keys.map((k) => [k, []]));
    const idList = known.map((k) => k.meta!.id);
    const read = async (table: string, lo: number, hi: number): Promise<Row[]> => {
      if (!idList.length || lo >= hi) return [];
      // Chunked IN lists keep each statement small; rows come back in (entity, t) order.
      const out: Row[] = [];
      for (let i = 0; i < idList.length; i += 500) {
        const chunk = idList.slice(i, i + 500);
        out.push(...(await this.db.all<Row>(`SELECT entity, t, data FROM ${table} WHERE entity IN (${chunk.map(() => '?').join(',')}) AND t >= ? AND t < ? ORDER BY entity, t`, [...chunk, lo, hi])));
      }
      return out;
    };
    const push = (r: Row, decode: (n: number) => Point[]) => {
      const key = this.byId.get(r.entity)!;
      const kind = this.ids.get(key)!.kind;
      acc.get(key)?.push(...decode(SERIES[kind].length));
    };
    if (res === 'raw') {
      for (const r of await read('metric_raw', fromS - 60, toS)) push(r, (n) => decodeRaw(r.data, r.t * 1000, n).filter((p) => p.t >= fromMs && p.t < toMs));
    } else if (res === '1m') {
      for (const r of await read('metric_1m', fromS - (fromS % 60), toS)) push(r, (n) => [decodeAgg(r.data, r.t * 1000, n)]);
    } else {
      const split = Math.max(this.rolledUntil, fromS - (fromS % 3600));
      for (const r of await read('metric_1h', fromS - (fromS % 3600), Math.min(toS, split))) push(r, (n) => [decodeAgg(r.data, r.t * 1000, n)]);
      for (const r of await read('metric_1m', split, toS)) push(r, (n) => [decodeAgg(r.data, r.t * 1000, n)]);
    }
    for (const k of keys) {
      const b = this.current.get(k);
      if (!b || b.minute * 1000 >= toMs) continue;
      const n = SERIES[b.kind].length;
      const pts = b.samples.map((s) => ({ t: b.minute * 1000 + Math.round(s.offsetSec * 1000), avg: s.values, max: s.values })).filter((p) => p.t >= fromMs && p.t < toMs);
      if (res === 'raw') acc.get(k)!.push(...pts);
      else if (pts.length) acc.get(k)!.push({ t: b.minute * 1000, ...aggregate(pts, n) });
    }
    return keys
      .map((key) => {
        const kind = this.current.get(key)?.kind ?? this.ids.get(key)?.kind;
        if (!kind) return null;
        const pts = acc.get(key)!;
        pts.sort((a, b) => a.t - b.t);
        // Raw points keep their own times; rollup reads always align (the 1 h path mixes in minutes).
        const points = res === 'raw' && bucketMs <= STEP_SEC.raw * 1000 ? pts : bucketize(pts, Math.max(bucketMs, STEP_SEC[res] * 1000), SERIES[kind].length);
        return { key, kind, label: this.labelOf(key), points };
      })
      .filter((x): x is EntityPoints => x !== null);
  }
}
