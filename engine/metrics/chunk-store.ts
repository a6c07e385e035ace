/**
 * Metrics chunks in SQLite, the storage half that runs in the SQLite worker (engine/store/db-worker.ts):
 * encoding, decoding, compaction and the conversion of the old format all happen there, never on
 * the engine's thread. Loaded by Node as-is: explicit `.ts` imports and erasable syntax only.
 *
 * Tables metric_raw / metric_1m / metric_1h (k, data; entity and t virtual): `k` = entity·2^32 + t,
 * `t` a chunk's start (epoch s), `data` a chunk (chunk-codec.ts) of the points in [t, t + span).
 * One integer key (migration 20) keeps a chunk of up to ~4 KB in its b-tree leaf, where the old
 * (entity, t) WITHOUT ROWID key spilled anything over ~1 KB into part-empty overflow pages. Raw and
 * 1m minutes are written as they close (one small chunk per entity and minute) and `compact` merges
 * a finished hour into one chunk; an hour's 1h point is added to its day's chunk as it is written.
 */
import { inflateRawSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import { concatChunks, decodeChunk, encodeChunk, quantize, type Chunk } from './chunk-codec.ts';

export const CHUNK_TABLES = { raw: 'metric_raw', '1m': 'metric_1m', '1h': 'metric_1h' } as const;
export type ChunkTier = keyof typeof CHUNK_TABLES;
/** The longest span one chunk of a tier covers (s): what a read looks back for. */
export const CHUNK_SPAN_SEC: Record<ChunkTier, number> = { raw: 3600, '1m': 3600, '1h': 86_400 };

export interface ChunkPut {
  tier: ChunkTier;
  entity: number;
  /** Chunk start, epoch s. */
  t: number;
  times: number[];
  values: Float64Array;
  k: number;
}

export interface ChunkRows {
  entity: number;
  /** Absolute epoch ms of each point, ascending. */
  times: Float64Array;
  values: Float64Array;
  k: number;
}

export type ChunkOp =
  | { op: 'chunkPut'; puts: ChunkPut[]; deletes?: { tier: ChunkTier; entity: number; before: number }[] }
  | { op: 'chunkRead'; tier: ChunkTier; ids: number[]; fromMs: number; toMs: number }
  | { op: 'chunkCompact'; tier: ChunkTier; ids: number[]; lo: number; hi: number; span: number }
  | { op: 'chunkLegacy'; entities: { id: number; n: number }[]; sinceSec: Record<ChunkTier, number> };

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();
/** Prepared once per database and SQL text (preparing costs more than running these). */
function prep(db: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s;
}

/** The row key of an entity's chunk starting at t (epoch s, clamped to 0..2^32). */
export const chunkKey = (entity: number, t: number): number => entity * 4_294_967_296 + Math.min(4_294_967_295, Math.max(0, t));

const table = (tier: ChunkTier): string => {
  const t = CHUNK_TABLES[tier];
  if (!t) throw new Error(`unknown metrics tier ${String(tier)}`);
  return t;
};

export function chunkOp(db: Database.Database, req: ChunkOp): unknown {
  switch (req.op) {
    case 'chunkPut':
      return put(db, req.puts, req.deletes ?? []);
    case 'chunkRead':
      return read(db, req.tier, req.ids, req.fromMs, req.toMs);
    case 'chunkCompact':
      return compact(db, req.tier, req.ids, req.lo, req.hi, req.span);
    case 'chunkLegacy':
      return legacy(db, req.entities, req.sinceSec);
  }
}

function put(db: Database.Database, puts: ChunkPut[], deletes: { tier: ChunkTier; entity: number; before: number }[]): { count: number } {
  db.transaction(() => {
    for (const p of puts) {
      if (p.tier === '1h') {
        putInDay(db, p);
        continue;
      }
      prep(db, `INSERT OR REPLACE INTO ${table(p.tier)}(k, data) VALUES (?, ?)`).run(chunkKey(p.entity, p.t), encodeChunk(p));
    }
    for (const d of deletes) prep(db, `DELETE FROM ${table(d.tier)} WHERE k >= ? AND k < ?`).run(chunkKey(d.entity, 0), chunkKey(d.entity, d.before));
  })();
  return { count: puts.length };
}

/**
 * An hour's 1h point goes into its day's chunk (read, merged, written back: 24 small rewrites a day
 * per entity), so the tier is one chunk per entity and day even for the day in progress. A point
 * at a time already there replaces it (an hour rewritten after a restart).
 */
function putInDay(db: Database.Database, p: ChunkPut): void {
  const tb = table('1h');
  const day = Math.floor(p.t / CHUNK_SPAN_SEC['1h']) * CHUNK_SPAN_SEC['1h'];
  const k = chunkKey(p.entity, day);
  const row = prep(db, `SELECT data FROM ${tb} WHERE k = ?`).get(k) as { data: Uint8Array } | undefined;
  const parts: { startMs: number; chunk: Chunk }[] = [];
  if (row) {
    const old = decodeChunk(row.data);
    const drop = new Set(p.times.map((x) => p.t * 1000 + x - day * 1000));
    if (old.times.some((x) => drop.has(x))) {
      const keep = old.times.map((x, i) => (drop.has(x) ? -1 : i)).filter((i) => i >= 0);
      const m = old.times.length;
      const values = new Float64Array(old.k * keep.length);
      for (let c = 0; c < old.k; c++) keep.forEach((i, j) => (values[c * keep.length + j] = old.values[c * m + i]!));
      parts.push({ startMs: day * 1000, chunk: { times: keep.map((i) => old.times[i]!), values, k: old.k } });
    } else parts.push({ startMs: day * 1000, chunk: old });
  }
  parts.push({ startMs: p.t * 1000, chunk: p });
  const k2 = Math.max(...parts.map((x) => x.chunk.k));
  prep(db, `INSERT OR REPLACE INTO ${tb}(k, data) VALUES (?, ?)`).run(k, encodeChunk(concatChunks(parts, day * 1000, k2)));
}

/** Points of each entity in [fromMs, toMs), decoded and merged in time order. */
function read(db: Database.Database, tier: ChunkTier, ids: number[], fromMs: number, toMs: number): ChunkRows[] {
  const lo = Math.floor(fromMs / 1000) - CHUNK_SPAN_SEC[tier];
  const hi = Math.ceil(toMs / 1000);
  const stmt = prep(db, `SELECT t, data FROM ${table(tier)} WHERE k >= ? AND k < ? ORDER BY k`);
  const out: ChunkRows[] = [];
  for (const id of ids) {
    const rows = stmt.all(chunkKey(id, lo), chunkKey(id, hi)) as { t: number; data: Uint8Array }[];
    if (!rows.length) continue;
    // Only the points in range are copied out of each decoded chunk.
    const parts: { c: Chunk; startMs: number; from: number; to: number }[] = [];
    let k = 0;
    let m = 0;
    for (const r of rows) {
      const c = decodeChunk(r.data);
      const startMs = r.t * 1000;
      let from = 0;
      while (from < c.times.length && startMs + c.times[from]! < fromMs) from++;
      let to = from;
      while (to < c.times.length && startMs + c.times[to]! < toMs) to++;
      if (to > from) {
        parts.push({ c, startMs, from, to });
        k = Math.max(k, c.k);
        m += to - from;
      }
    }
    const times = new Float64Array(m);
    const values = new Float64Array(k * m).fill(NaN);
    let j = 0;
    for (const { c, startMs, from, to } of parts) {
      const pm = c.times.length;
      for (let i = from; i < to; i++) times[j + i - from] = startMs + c.times[i]!;
      for (let col = 0; col < c.k; col++) values.set(c.values.subarray(col * pm + from, col * pm + to), col * m + j);
      j += to - from;
    }
    if (m) out.push({ entity: id, times, values, k });
  }
  return out;
}

/**
 * Merges each entity's chunks in [lo, hi) into one chunk per `span` (aligned to it): an hour of
 * minute chunks becomes one. One transaction.
 */
function compact(db: Database.Database, tier: ChunkTier, ids: number[], lo: number, hi: number, span: number): { merged: number } {
  const tb = table(tier);
  const keys = prep(db, `SELECT t FROM ${tb} WHERE k >= ? AND k < ? ORDER BY k`);
  const sel = prep(db, `SELECT t, data FROM ${tb} WHERE k >= ? AND k < ? ORDER BY k`);
  const del = prep(db, `DELETE FROM ${tb} WHERE k >= ? AND k < ?`);
  const ins = prep(db, `INSERT OR REPLACE INTO ${tb}(k, data) VALUES (?, ?)`);
  let merged = 0;
  db.transaction(() => {
    for (const id of ids) {
      // Keys first: windows already one chunk are not read at all.
      const count = new Map<number, { n: number; aligned: boolean }>();
      for (const { t } of keys.all(chunkKey(id, lo), chunkKey(id, hi)) as { t: number }[]) {
        const g = Math.floor(t / span) * span;
        const c = count.get(g);
        if (c) c.n++;
        else count.set(g, { n: 1, aligned: t === g });
      }
      for (const [g, c] of count) {
        if (c.n === 1 && c.aligned) continue;
        const rows = sel.all(chunkKey(id, g), chunkKey(id, g + span)) as { t: number; data: Uint8Array }[];
        const parts = rows.map((r) => ({ startMs: r.t * 1000, chunk: decodeChunk(r.data) }));
        const k = Math.max(...parts.map((p) => p.chunk.k));
        del.run(chunkKey(id, g), chunkKey(id, g + span));
        ins.run(chunkKey(id, g), encodeChunk(concatChunks(parts, g * 1000, k)));
        merged++;
      }
    }
  })();
  return { merged };
}

/**
 * Converts the old rows (migration 5's format, moved aside by migration 18) of some entities into
 * compacted chunks, values rounded as new samples are, then deletes them. Rows past each tier's
 * retention are dropped, not converted. The engine calls this a few entities at a time.
 */
function legacy(db: Database.Database, entities: { id: number; n: number }[], sinceSec: Record<ChunkTier, number>): { converted: number } {
  let converted = 0;
  const tiers: ChunkTier[] = ['raw', '1m', '1h'];
  db.transaction(() => {
    for (const tier of tiers) {
      const old = `metric_v5_${tier}`;
      const sel = db.prepare(`SELECT t, data FROM ${old} WHERE entity = ? AND t >= ? ORDER BY t`);
      const ins = db.prepare(`INSERT OR IGNORE INTO ${table(tier)}(k, data) VALUES (?, ?)`);
      const span = CHUNK_SPAN_SEC[tier];
      for (const { id, n } of entities) {
        const groups = new Map<number, { startMs: number; chunk: Chunk }[]>();
        for (const r of sel.all(id, sinceSec[tier]) as { t: number; data: Uint8Array }[]) {
          const chunk = tier === 'raw' ? legacyRaw(r.data, n) : legacyAgg(r.data, n);
          if (!chunk) continue;
          const g = Math.floor(r.t / span) * span;
          let list = groups.get(g);
          if (!list) groups.set(g, (list = []));
          list.push({ startMs: r.t * 1000, chunk });
          converted++;
        }
        for (const [g, parts] of groups) ins.run(chunkKey(id, g), encodeChunk(concatChunks(parts, g * 1000, parts[0]!.chunk.k)));
        db.prepare(`DELETE FROM ${old} WHERE entity = ?`).run(id);
      }
    }
  })();
  return { converted };
}

/** A copy (a Buffer's slice() shares its pool's memory, and Float32Array needs alignment). */
function f32(u8: Uint8Array): Float32Array {
  const copy = new Uint8Array(u8.byteLength & ~3);
  copy.set(u8.subarray(0, copy.byteLength));
  return new Float32Array(copy.buffer);
}
const q = (x: number): number => (Number.isNaN(x) ? NaN : quantize(x));

/** Old raw row: deflate(Float32 column-major [offsets (s)…, series 0…, …]). */
function legacyRaw(blob: Uint8Array, n: number): Chunk | null {
  let a: Float32Array;
  try {
    a = f32(inflateRawSync(blob));
  } catch {
    return null;
  }
  const m = Math.floor(a.length / (n + 1));
  const times = Array.from({ length: m }, (_, j) => Math.round(a[j]! * 1000));
  const values = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) values[i * m + j] = q(a[(i + 1) * m + j]!);
  return { times, values, k: n };
}

/** Old 1m/1h row: Float32 [avg…, max…]. */
function legacyAgg(blob: Uint8Array, n: number): Chunk | null {
  const a = f32(blob);
  if (a.length < 2 * n) return null;
  return { times: [0], values: Float64Array.from(a.subarray(0, 2 * n), q), k: 2 * n };
}
