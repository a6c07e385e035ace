import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES } from '../../../engine/contract/metrics';
import { MetricsStore } from '../../../engine/metrics/metrics-store';
import { aggregate, bucketize } from '../../../engine/metrics/rollup';
import { Db } from '../../../engine/store/db';

describe('metrics rollups', () => {
  it('averages and takes maxima, ignoring gaps', () => {
    const a = aggregate(
      [
        { t: 0, avg: [1, null], max: [3, null] },
        { t: 1, avg: [3, null], max: [4, null] },
      ],
      2,
    );
    expect(a).toEqual({ avg: [2, null], max: [4, null] });
  });

  it('buckets points into aligned windows', () => {
    const pts = [0, 1000, 4000, 5000, 9000].map((t) => ({ t, avg: [t], max: [t] }));
    const b = bucketize(pts, 5000, 1);
    expect(b.map((p) => p.t)).toEqual([0, 5000]);
    expect(b[0]!.avg[0]).toBeCloseTo(5000 / 3);
    expect(b[1]!.max[0]).toBe(9000);
  });
});

describe('MetricsStore (real SQLite)', () => {
  let dir = '';
  let db: Db | null = null;
  afterEach(async () => {
    await db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps raw, 1-minute and 1-hour data, answers at each resolution and prunes by retention', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-store-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    let now = t0;
    const store = new MetricsStore(db, () => now);
    await store.init();
    const n = SERIES.nic.length;
    // 2 h 10 min of 5-second samples: value = minutes since t0
    for (let t = t0; t < t0 + 130 * 60_000; t += 5000) {
      now = t;
      store.add(t, [{ key: 'nic:h:1/vnet0', kind: 'nic', label: 'vnet0', values: [(t - t0) / 60_000, 1, null, 2] }]);
    }
    now = t0 + 130 * 60_000;
    await store.flush();
    const raw = await store.points(['nic:h:1/vnet0'], 'raw', t0, t0 + 60_000, 5000);
    expect(raw[0]!.points).toHaveLength(12);
    const m = await store.points(['nic:h:1/vnet0'], '1m', t0, t0 + 130 * 60_000, 60_000);
    expect(m[0]!.points).toHaveLength(130);
    expect(m[0]!.points[10]!.avg[0]).toBeCloseTo(10 + 55 / 60 / 2, 3);
    expect(m[0]!.points[10]!.avg[2]).toBeNull();
    const h = await store.points(['nic:h:1/vnet0'], '1h', t0, t0 + 130 * 60_000, 3_600_000);
    expect(h[0]!.points.map((p) => p.t)).toEqual([t0, t0 + 3_600_000, t0 + 7_200_000]);
    expect(h[0]!.points[0]!.avg[1]).toBe(1);
    expect(h[0]!.points[1]!.max[0]).toBeCloseTo(119 + 55 / 60, 3);
    const stored = await db.get<{ c: number }>('SELECT count(*) AS c FROM metric_1h');
    expect(stored!.c).toBe(1); // one day chunk of two hours; the third is not complete: answered from its minutes
    expect(n).toBe(4);

    // Two days later the raw and minute rows of that day are gone, the hours stay.
    now = t0 + 9 * 86_400_000;
    await store.prune();
    expect((await db.get<{ c: number }>('SELECT count(*) AS c FROM metric_raw'))!.c).toBe(0);
    expect((await db.get<{ c: number }>('SELECT count(*) AS c FROM metric_1m'))!.c).toBe(0);
    expect((await db.get<{ c: number }>('SELECT count(*) AS c FROM metric_1h'))!.c).toBe(1);
  });

  it('finishes an hour a previous run left half done, and keeps the current hour across a restart', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-store-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    let now = t0;
    const run1 = new MetricsStore(db, () => now);
    await run1.init();
    // 30 minutes of hour 10 and 20 of hour 11, then the engine stops.
    for (let t = t0 + 30 * 60_000; t < t0 + 80 * 60_000; t += 5000) {
      now = t;
      run1.add(t, [{ key: 'fleet', kind: 'fleet', label: 'fleet', values: SERIES.fleet.map(() => (t - t0) / 60_000) }]);
    }
    now = t0 + 80 * 60_000;
    await run1.flush();
    expect((await db.get<{ c: number }>('SELECT count(*) AS c FROM metric_1h'))!.c).toBe(1);
    // Back two hours later: hour 11 is rolled from its stored minutes at start.
    now = t0 + 200 * 60_000;
    const run2 = new MetricsStore(db, () => now);
    await run2.init();
    expect((await db.get<{ c: number }>('SELECT count(*) AS c FROM metric_1h'))!.c).toBe(1); // the day's chunk
    const stored = await run2.points(['fleet'], '1h', t0, t0 + 2 * 3_600_000, 3_600_000);
    expect(stored[0]!.points.map((p) => p.t)).toEqual([t0, t0 + 3_600_000]);
    const h = await run2.points(['fleet'], '1h', t0, now, 3_600_000);
    expect(h[0]!.points[1]!.max[0]).toBeCloseTo(79 + 55 / 60, 3);
  });

  it('picks the resolution from the range', () => {
    const now = Date.now();
    expect(MetricsStore.resolutionFor(now - 15 * 60_000, now, now)).toBe('raw');
    expect(MetricsStore.resolutionFor(now - 86_400_000, now, now)).toBe('1m');
    expect(MetricsStore.resolutionFor(now - 2 * 86_400_000, now, now)).toBe('1m');
    expect(MetricsStore.resolutionFor(now - 7 * 86_400_000 + 1000, now, now)).toBe('1h');
    expect(MetricsStore.resolutionFor(now - 30 * 86_400_000, now, now)).toBe('1h');
  });
});
