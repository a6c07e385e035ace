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

interface HourAcc {
  id: number;
  kind: EntityKind;
  hour: number; // epoch s
  sum: number[];
  cnt: number[];
  max: (number | null)[];
}

export class MetricsStore {
  private readonly ids = new Map<string, { id: number; kind: EntityKind; label: string }>();
  private readonly byId = new Map<number, string>();
  private current = new Map<string, MinuteBuf>();
  private currentMinute = -1;
  private writing: Promise<void> = Promise.resolve();
  /** The hour in progress per entity: running sums, written when the hour ends. */
  private readonly hourAcc = new Map<string, HourAcc>();
  private readonly pendingHour: HourAcc[] = [];
  /** Hours before this (epoch s) are in metric_1h; later ones are answered from minutes. */
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
    const nowH = Math.floor(this.now() / 3_600_000) * 3600;
    const fleet = this.ids.get('fleet')?.id;
    if (fleet !== undefined) {
      // The fleet entity has a row for every minute and hour the engine ran, so its rows (a
      // primary-key range, not a scan) say which hours a previous run left unfinished.
      const last = await this.db.get<{ t: number | null }>('SELECT max(t) AS t FROM metric_1h WHERE entity = ?', [fleet]);
      const from = Math.max(last?.t != null ? last.t + 3600 : 0, nowH - RETENTION_SEC['1m']);
      const mins = await this.db.all<{ t: number }>('SELECT t FROM metric_1m WHERE entity = ? AND t >= ? AND t < ?', [fleet, from, nowH]);
      for (const h of new Set(mins.map((m) => Math.floor(m.t / 3600) * 3600))) {
        for (const acc of this.accumulateRows(await this.readRows('metric_1m', h, h + 3600), h).values()) this.pendingHour.push(acc);
      }
      // A restart within the hour: the minutes already stored seed this hour's accumulators.
      for (const [key, acc] of this.accumulateRows(await this.readRows('metric_1m', nowH, nowH + 3600), nowH)) this.hourAcc.set(key, acc);
      const statements = this.pendingHour.splice(0).map((a) => this.hourRow(a));
      if (statements.length) await this.db.batch(statements);
    }
    this.rolledUntil = nowH;
    await this.prune();
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

  private newAcc(id: number, kind: EntityKind, hour: number): HourAcc {
    const n = SERIES[kind].length;
    return { id, kind, hour, sum: new Array<number>(n).fill(0), cnt: new Array<number>(n).fill(0), max: new Array<number | null>(n).fill(null) };
  }

  private static addTo(acc: HourAcc, p: { avg: Values; max: Values }): void {
    for (let i = 0; i < acc.sum.length; i++) {
      const a = p.avg[i];
      if (a != null) {
        acc.sum[i]! += a;
        acc.cnt[i]!++;
      }
      const m = p.max[i] ?? a;
      if (m != null && (acc.max[i] === null || m > acc.max[i]!)) acc.max[i] = m;
    }
  }

  private hourRow(acc: HourAcc): { sql: string; params: (number | Uint8Array)[] } {
    const avg = acc.sum.map((s, i) => (acc.cnt[i] ? s / acc.cnt[i]! : null));
    return { sql: 'INSERT OR REPLACE INTO metric_1h(entity, t, data) VALUES (?, ?, ?)', params: [acc.id, acc.hour, encodeAgg(avg, acc.max, acc.sum.length)] };
  }

  /** Accumulators for one hour from stored minute rows (start-up only). */
  private accumulateRows(rows: Row[], hour: number): Map<string, HourAcc> {
    const out = new Map<string, HourAcc>();
    for (const r of rows) {
      const key = this.byId.get(r.entity);
      const meta = key ? this.ids.get(key) : undefined;
      if (!key || !meta) continue;
      let acc = out.get(key);
      if (!acc) out.set(key, (acc = this.newAcc(r.entity, meta.kind, hour)));
      MetricsStore.addTo(acc, decodeAgg(r.data, r.t, SERIES[meta.kind].length));
    }
    return out;
  }

  /**
   * Writes a closed minute: raw and 1-minute rows, and the 1-hour rows of every hour that ended
   * (kept as running sums in memory, so an hour costs nothing to roll up). One transaction.
   */
  private async writeMinute(bufs: MinuteBuf[]): Promise<void> {
    if (!bufs.length) return;
    const statements: { sql: string; params: (number | Uint8Array)[] }[] = [];
    const hour = Math.floor(bufs[0]!.minute / 3600) * 3600;
    for (const b of bufs) {
      const n = SERIES[b.kind].length;
      const id = await this.entityId(b.key, b.kind, b.label);
      const agg = aggregate(b.samples.map((s) => ({ t: 0, avg: s.values, max: s.values })), n);
      statements.push({ sql: 'INSERT OR REPLACE INTO metric_raw(entity, t, data) VALUES (?, ?, ?)', params: [id, b.minute, encodeRaw(b.samples, n)] });
      statements.push({ sql: 'INSERT OR REPLACE INTO metric_1m(entity, t, data) VALUES (?, ?, ?)', params: [id, b.minute, encodeAgg(agg.avg, agg.max, n)] });
      let acc = this.hourAcc.get(b.key);
      if (acc && acc.hour !== hour) {
        statements.push(this.hourRow(acc));
        acc = undefined;
      }
      if (!acc) this.hourAcc.set(b.key, (acc = this.newAcc(id, b.kind, hour)));
      MetricsStore.addTo(acc, agg);
    }
    // Entities that stopped reporting (a VM shut down) close their hour too.
    for (const [key, acc] of this.hourAcc) {
      if (acc.hour < hour) {
        statements.push(this.hourRow(acc));
        this.hourAcc.delete(key);
      }
    }
    await this.db.batch(statements);
    if (hour > this.rolledUntil) {
      this.rolledUntil = hour;
      await this.prune();
    }
  }

  /** Rows of every known entity in [lo, hi) by primary-key seeks (chunked IN lists), never a scan. */
  private async readRows(table: string, lo: number, hi: number, ids: readonly number[] = [...this.byId.keys()]): Promise<Row[]> {
    const out: Row[] = [];
    if (lo >= hi) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      out.push(...(await this.db.all<Row>(`SELECT entity, t, data FROM ${table} WHERE entity IN (${chunk.map(() => '?').join(',')}) AND t >= ? AND t < ? ORDER BY entity, t`, [...chunk, lo, hi])));
    }
    return out;
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
    const read = (table: string, lo: number, hi: number): Promise<Row[]> => (idList.length ? this.readRows(table, lo, hi, idList) : Promise.resolve([]));
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
