/**
 * Metrics history in SQLite: raw samples (24 h), 1-minute avg+max (7 days), 1-hour avg+max
 * (1 year). Samples collect in memory for the current minute; when a minute closes, one batched
 * transaction writes every entity's raw chunk and 1-minute rollup. Hours are rolled up from the
 * stored minutes (so a restart loses nothing but the minute in flight); pruning is per entity by
 * primary key, never a table scan. Queries merge what is still in memory, so charts are current.
 *
 * Storage (issue 20) is compressed chunks (chunk-codec.ts): a minute's chunk per entity as it
 * closes, merged into one chunk per entity and hour (raw, 1m) or day (1h) when that ends. Encoding,
 * decoding and merging run in the SQLite worker (chunk-store.ts); this side only sends numbers.
 * Values are kept to SIG significant digits (`quantize`, at `add`), so what is stored, what the
 * minute in memory answers and what the roll-ups are computed from are the same numbers.
 */
import { SERIES, type EntityKind, type MetricValues } from '../contract/metrics';
import type { Db } from '../store/db';
import { quantize } from './chunk-codec';
import { CHUNK_SPAN_SEC, type ChunkPut, type ChunkRows, type ChunkTier } from './chunk-store';
import type { Values } from './rates';
import { aggregate, bucketize, type Point } from './rollup';

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

const q = (v: number | null | undefined): number | null => (v == null || !Number.isFinite(v) ? null : quantize(v));
const toNaN = (v: number | null | undefined): number => (v == null ? NaN : v);

/** A stored chunk's points: raw rows are samples; 1m/1h rows are [avg…, max…] per point. */
function rowPoints(r: ChunkRows, tier: ChunkTier, n: number): Point[] {
  const m = r.times.length;
  const at = (c: number, i: number): number | null => {
    if (c >= r.k) return null;
    const v = r.values[c * m + i]!;
    return Number.isNaN(v) ? null : v;
  };
  const out: Point[] = [];
  for (let i = 0; i < m; i++) {
    const avg: Values = new Array(n);
    for (let c = 0; c < n; c++) avg[c] = at(c, i);
    if (tier === 'raw') out.push({ t: r.times[i]!, avg, max: avg });
    else {
      const max: Values = new Array(n);
      for (let c = 0; c < n; c++) max[c] = at(n + c, i);
      out.push({ t: r.times[i]!, avg, max });
    }
  }
  return out;
}

/** One rollup point as a chunk of one point: [avg…, max…]. */
function aggPut(tier: ChunkTier, entity: number, t: number, avg: Values, max: Values, n: number): ChunkPut {
  const values = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    values[i] = toNaN(q(avg[i]));
    values[n + i] = toNaN(max[i]);
  }
  return { tier, entity, t, times: [0], values, k: 2 * n };
}

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
      // (A chunk's t is its start; the 1h tier's day chunks hold the hour's points inside.)
      const lastHour = (await this.readChunks('1h', Math.max(0, nowH - RETENTION_SEC['1m']) * 1000, nowH * 1000, [fleet]))[0];
      const last = lastHour?.times.length ? lastHour.times[lastHour.times.length - 1]! / 1000 : null;
      const from = Math.max(last != null ? last + 3600 : 0, nowH - RETENTION_SEC['1m']);
      const mins = (await this.readChunks('1m', from * 1000, nowH * 1000, [fleet]))[0]?.times ?? [];
      for (const h of new Set([...mins].map((t) => Math.floor(t / 3_600_000) * 3600))) {
        for (const acc of this.accumulateRows(await this.readChunks('1m', h * 1000, (h + 3600) * 1000), h).values()) this.pendingHour.push(acc);
      }
      // A restart within the hour: the minutes already stored seed this hour's accumulators.
      for (const [key, acc] of this.accumulateRows(await this.readChunks('1m', nowH * 1000, (nowH + 3600) * 1000), nowH)) this.hourAcc.set(key, acc);
      const puts = this.pendingHour.splice(0).map((a) => this.hourRow(a));
      if (puts.length) await this.db.chunks({ op: 'chunkPut', puts });
      // Hours and days a previous run left as minute chunks are merged now.
      await this.compactBefore(nowH, nowH - RETENTION_SEC['1m'] - 86_400);
    }
    this.rolledUntil = nowH;
    await this.prune();
    this.legacy = this.convertLegacy().catch(() => undefined);
  }

  /** Conversion of the old rows (migration 18) in progress, if any (tests and the bench await it). */
  legacy: Promise<void> = Promise.resolve();

  /**
   * The history an older version stored (moved aside by migration 18) is converted in the worker
   * a few entities at a time, so other database work interleaves; then the old tables go.
   */
  private async convertLegacy(): Promise<void> {
    const has = await this.db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'metric_v5_raw'");
    if (!has?.n) return;
    const now = Math.floor(this.now() / 1000);
    const sinceSec = { raw: now - RETENTION_SEC.raw, '1m': now - RETENTION_SEC['1m'], '1h': now - RETENTION_SEC['1h'] };
    const list = [...this.ids.values()].map((v) => ({ id: v.id, n: SERIES[v.kind].length }));
    for (let i = 0; i < list.length; i += 20) await this.db.chunks({ op: 'chunkLegacy', entities: list.slice(i, i + 20), sinceSec });
    for (const t of ['raw', '1m', '1h']) await this.db.run(`DROP TABLE IF EXISTS metric_v5_${t}`);
  }

  /**
   * Merges the minute chunks of the finished hours in [sinceH, nowH) (raw, 1m) and the hour chunks
   * of the finished days since then (1h), a few hundred entities per worker request.
   */
  private async compactBefore(nowH: number, sinceH: number): Promise<void> {
    const ids = [...this.byId.keys()];
    const day = Math.floor(nowH / 86_400) * 86_400;
    const sinceDay = Math.floor(sinceH / 86_400) * 86_400;
    for (let i = 0; i < ids.length; i += 200) {
      const part = ids.slice(i, i + 200);
      await this.db.chunks({ op: 'chunkCompact', tier: 'raw', ids: part, lo: sinceH, hi: nowH, span: CHUNK_SPAN_SEC.raw });
      await this.db.chunks({ op: 'chunkCompact', tier: '1m', ids: part, lo: sinceH, hi: nowH, span: CHUNK_SPAN_SEC['1m'] });
      if (sinceDay < day) await this.db.chunks({ op: 'chunkCompact', tier: '1h', ids: part, lo: sinceDay, hi: day, span: CHUNK_SPAN_SEC['1h'] });
    }
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
      b.samples.push({ offsetSec, values: e.values.map(q) });
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

  private hourRow(acc: HourAcc): ChunkPut {
    const avg = acc.sum.map((s, i) => (acc.cnt[i] ? s / acc.cnt[i]! : null));
    return aggPut('1h', acc.id, acc.hour, avg, acc.max, acc.sum.length);
  }

  /** Accumulators for one hour from stored minute chunks (start-up only). */
  private accumulateRows(rows: ChunkRows[], hour: number): Map<string, HourAcc> {
    const out = new Map<string, HourAcc>();
    for (const r of rows) {
      const key = this.byId.get(r.entity);
      const meta = key ? this.ids.get(key) : undefined;
      if (!key || !meta) continue;
      let acc = out.get(key);
      if (!acc) out.set(key, (acc = this.newAcc(r.entity, meta.kind, hour)));
      for (const p of rowPoints(r, '1m', SERIES[meta.kind].length)) MetricsStore.addTo(acc, p);
    }
    return out;
  }

  /**
   * Writes a closed minute: raw and 1-minute rows, and the 1-hour rows of every hour that ended
   * (kept as running sums in memory, so an hour costs nothing to roll up). One transaction.
   */
  private async writeMinute(bufs: MinuteBuf[]): Promise<void> {
    if (!bufs.length) return;
    const statements: ChunkPut[] = [];
    const hour = Math.floor(bufs[0]!.minute / 3600) * 3600;
    for (const b of bufs) {
      const n = SERIES[b.kind].length;
      const id = await this.entityId(b.key, b.kind, b.label);
      const agg = aggregate(b.samples.map((s) => ({ t: 0, avg: s.values, max: s.values })), n);
      const m = b.samples.length;
      const values = new Float64Array(n * m);
      for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) values[i * m + j] = toNaN(b.samples[j]!.values[i]);
      statements.push({ tier: 'raw', entity: id, t: b.minute, times: b.samples.map((s) => Math.round(s.offsetSec * 1000)), values, k: n });
      statements.push(aggPut('1m', id, b.minute, agg.avg, agg.max, n));
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
    await this.db.chunks({ op: 'chunkPut', puts: statements });
    if (hour > this.rolledUntil) {
      await this.compactBefore(hour, this.rolledUntil);
      this.rolledUntil = hour;
      await this.prune();
    }
  }

  /** Points of entities in [fromMs, toMs), decoded in the worker, by primary-key seeks per entity. */
  private async readChunks(tier: ChunkTier, fromMs: number, toMs: number, ids: readonly number[] = [...this.byId.keys()]): Promise<ChunkRows[]> {
    const out: ChunkRows[] = [];
    if (fromMs >= toMs) return out;
    for (let i = 0; i < ids.length; i += 500) out.push(...(await this.db.chunks<ChunkRows[]>({ op: 'chunkRead', tier, ids: ids.slice(i, i + 500), fromMs, toMs })));
    return out;
  }

  /**
   * Drops what is past each resolution's retention: one primary-key range delete per entity. A
   * chunk goes when all of its span is past (so up to one span more is kept).
   */
  async prune(): Promise<void> {
    const now = Math.floor(this.now() / 1000);
    const deletes: { tier: ChunkTier; entity: number; before: number }[] = [];
    for (const { id } of this.ids.values()) {
      for (const tier of ['raw', '1m', '1h'] as const) deletes.push({ tier, entity: id, before: now - RETENTION_SEC[tier] - CHUNK_SPAN_SEC[tier] + 1 });
    }
    if (deletes.length) await this.db.chunks({ op: 'chunkPut', puts: [], deletes });
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
    const read = async (tier: ChunkTier, lo: number, hi: number): Promise<void> => {
      if (!idList.length) return;
      for (const r of await this.readChunks(tier, lo * 1000, hi * 1000, idList)) {
        const key = this.byId.get(r.entity)!;
        const kind = this.ids.get(key)!.kind;
        const pts = rowPoints(r, tier, SERIES[kind].length);
        const list = acc.get(key);
        if (list) for (const p of pts) if (tier !== 'raw' || (p.t >= fromMs && p.t < toMs)) list.push(p);
      }
    };
    if (res === 'raw') await read('raw', Math.floor(fromMs / 1000) - 60, toS);
    else if (res === '1m') await read('1m', fromS - (fromS % 60), toS);
    else {
      const split = Math.max(this.rolledUntil, fromS - (fromS % 3600));
      await read('1h', fromS - (fromS % 3600), Math.min(toS, split));
      await read('1m', split, toS);
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
