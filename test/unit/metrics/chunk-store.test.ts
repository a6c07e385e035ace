/**
 * Issue 20: metrics history in compressed chunks, in a real SQLite file: minute chunks merged per
 * hour (raw, 1m) and per day (1h) without changing an answer, and the history an older version
 * stored (migration 18) converted rather than lost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES } from '../../../engine/contract/metrics';
import { quantize } from '../../../engine/metrics/chunk-codec';
import { MetricsStore } from '../../../engine/metrics/metrics-store';
import { Db } from '../../../engine/store/db';
import { migrations } from '../../../engine/store/migrations';

const count = async (db: Db, table: string) => (await db.get<{ c: number }>(`SELECT count(*) AS c FROM ${table}`))!.c;

describe('metrics chunks (real SQLite)', () => {
  let dir = '';
  let db: Db | null = null;
  afterEach(async () => {
    await db?.close();
    db = null;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('merges each finished hour into one chunk and answers across the boundary exactly as stored', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-chunk-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    let now = t0;
    const store = new MetricsStore(db, () => now);
    await store.init();
    const value = (t: number) => [Math.sin(t / 1e6) * 1e4, (t - t0) / 7, null, 2 ** 40 + t / 1000];
    for (let t = t0; t < t0 + 130 * 60_000; t += 5000) {
      now = t;
      store.add(t + (t % 3 ? 0 : 7), [{ key: 'disk:v/vda', kind: 'disk', label: 'vda', values: value(t) }]);
    }
    now = t0 + 130 * 60_000;
    await store.flush();
    // Hours 10 and 11 are one chunk each; hour 12's ten minutes are still a chunk each.
    expect(await count(db, 'metric_raw')).toBe(12);
    expect(await count(db, 'metric_1m')).toBe(12);
    const across = await store.points(['disk:v/vda'], 'raw', t0 + 59 * 60_000, t0 + 61 * 60_000, 5000);
    const pts = across[0]!.points;
    expect(pts).toHaveLength(24);
    for (const p of pts) {
      const t = p.t - (p.t % 5000);
      expect(p.t).toBe(t + (t % 3 ? 0 : 7));
      expect(p.avg).toEqual(value(t).map((v) => (v === null ? null : quantize(v))));
    }
    const minutes = await store.points(['disk:v/vda'], '1m', t0, t0 + 130 * 60_000, 60_000);
    expect(minutes[0]!.points).toHaveLength(130);
    expect(minutes[0]!.points[61]!.max[1]).toBe(quantize((61 * 60_000 + 55_000) / 7));
  });

  it('merges a finished day of hours into one chunk', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-chunk-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
    let now = t0;
    const store = new MetricsStore(db, () => now);
    await store.init();
    // One sample at the start of each hour for 26 hours.
    for (let h = 0; h < 26; h++) {
      now = t0 + h * 3_600_000;
      store.add(now, [{ key: 'fleet', kind: 'fleet', label: 'fleet', values: SERIES.fleet.map((_, i) => h * 10 + i) }]);
      await store.flush();
    }
    now = t0 + 26 * 3_600_000;
    store.add(now, [{ key: 'fleet', kind: 'fleet', label: 'fleet', values: SERIES.fleet.map(() => 0) }]);
    await store.flush();
    // Day 1's 24 hours are one chunk; hours 24 and 25 are day 2's chunk (an hour is added to its
    // day's chunk as it is written, migration 20).
    expect(await count(db, 'metric_1h')).toBe(2);
    const hours = await store.points(['fleet'], '1h', t0, now, 3_600_000);
    expect(hours[0]!.points.map((p) => p.avg[1])).toEqual(Array.from({ length: 26 }, (_, h) => h * 10 + 1));
  });

  it('converts the history of the old format (migration 18) instead of dropping it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-chunk-'));
    const file = path.join(dir, 'h.db');
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    const n = SERIES.nic.length;
    {
      // A database as the previous version left it: schema 17, rows in migration 5's format.
      const old = new Database(file);
      for (const m of migrations.filter((x) => x.version < 18)) old.exec(m.sql);
      old.pragma('user_version = 17');
      old.prepare("INSERT INTO metric_entity(id, key, kind, label) VALUES (1, 'nic:v/vnet0', 'nic', 'vnet0')").run();
      const raw = old.prepare('INSERT INTO metric_raw(entity, t, data) VALUES (1, ?, ?)');
      const agg = old.prepare('INSERT INTO metric_1m(entity, t, data) VALUES (1, ?, ?)');
      old.exec('BEGIN');
      for (let m = 0; m < 90; m++) {
        const minute = t0 / 1000 + m * 60;
        // Float32 column-major [offsets…, series 0…, …], deflated; then Float32 [avg…, max…].
        const cols = new Float32Array(12 * (n + 1));
        for (let j = 0; j < 12; j++) {
          cols[j] = j * 5;
          cols[12 + j] = m + j / 12;
          cols[24 + j] = 1000;
          cols[36 + j] = NaN;
          cols[48 + j] = j;
        }
        raw.run(minute, deflateRawSync(new Uint8Array(cols.buffer)));
        agg.run(minute, Buffer.from(new Float32Array([m + 0.5, 1000, NaN, 5.5, m + 11 / 12, 1000, NaN, 11]).buffer));
      }
      old.prepare('INSERT INTO metric_1h(entity, t, data) VALUES (1, ?, ?)').run(t0 / 1000, Buffer.from(new Float32Array([30, 1000, NaN, 5.5, 59.9, 1000, NaN, 11]).buffer));
      old.exec('COMMIT');
      old.close();
    }
    db = await Db.open(file);
    const now = t0 + 90 * 60_000;
    const store = new MetricsStore(db, () => now);
    await store.init();
    await store.legacy;
    const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 'metric_v5%'");
    expect(tables).toEqual([]);
    const raw = await store.points(['nic:v/vnet0'], 'raw', t0 + 60 * 60_000, t0 + 61 * 60_000, 5000);
    expect(raw[0]!.points.map((p) => p.avg[0])).toEqual(Array.from({ length: 12 }, (_, j) => quantize(Math.fround(60 + j / 12))));
    expect(raw[0]!.points[3]!.avg.slice(1)).toEqual([1000, null, 3]);
    const m = await store.points(['nic:v/vnet0'], '1m', t0, now, 60_000);
    expect(m[0]!.points).toHaveLength(90);
    expect(m[0]!.points[70]!.avg[0]).toBe(70.5);
    expect(m[0]!.points[70]!.max[3]).toBe(11);
    const h = await store.points(['nic:v/vnet0'], '1h', t0, t0 + 3_600_000, 3_600_000);
    expect(h[0]!.points[0]!.avg[0]).toBe(30);
    expect(h[0]!.points[0]!.max[0]).toBe(quantize(Math.fround(59.9)));
  });

  it('keeps the chunks of schema 19 readable after migration 20 re-keys the tables', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-chunk-'));
    const file = path.join(dir, 'h.db');
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    // A raw chunk as the codec's version 1 wrote it (migration 18's format): times 0, 5 s, 10 s,
    // 15.003 s, 20 s, 60 s; columns [12.3456, 12.5, -7.25, Infinity, 1/3, 99999.9], 1e9 constant,
    // [null, 3, null, 4, 5, 6], zeros.
    const v1 = Buffer.from('01060408ce9c41357a3117674b9bc4803d09023667feffe0000000000001fcff55555555555557855f423f685994ba1984216000', 'hex');
    {
      const old = new Database(file);
      for (const m of [...migrations].sort((a, b) => a.version - b.version).filter((x) => x.version < 20)) old.exec(m.sql);
      old.pragma('user_version = 19');
      old.prepare("INSERT INTO metric_entity(id, key, kind, label) VALUES (7, 'disk:v/vda', 'disk', 'vda')").run();
      old.prepare('INSERT INTO metric_raw(entity, t, data) VALUES (7, ?, ?)').run(t0 / 1000, v1);
      old.prepare('INSERT INTO metric_1h(entity, t, data) VALUES (7, ?, ?)').run(t0 / 1000, v1);
      old.close();
    }
    db = await Db.open(file);
    const now = t0 + 30 * 60_000;
    const store = new MetricsStore(db, () => now);
    await store.init();
    expect(await db.all('SELECT entity, t FROM metric_raw')).toEqual([{ entity: 7, t: t0 / 1000 }]);
    const raw = await store.points(['disk:v/vda'], 'raw', t0, t0 + 120_000, 5000);
    expect(raw[0]!.points.map((p) => p.t - t0)).toEqual([0, 5000, 10_000, 15_003, 20_000, 60_000]);
    expect(raw[0]!.points.map((p) => p.avg[0])).toEqual([12.3456, 12.5, -7.25, Infinity, 1 / 3, 99999.9]);
    expect(raw[0]!.points.map((p) => p.avg[2])).toEqual([null, 3, null, 4, 5, 6]);
    expect(raw[0]!.points.every((p) => p.avg[1] === 1e9 && p.avg[3] === 0)).toBe(true);
    const h = await db.chunks<{ times: Float64Array }[]>({ op: 'chunkRead', tier: '1h', ids: [7], fromMs: t0, toMs: t0 + 86_400_000 });
    expect(Array.from(h[0]!.times)).toEqual([0, 5000, 10_000, 15_003, 20_000, 60_000].map((x) => t0 + x));
  });
});
