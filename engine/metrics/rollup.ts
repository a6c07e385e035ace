/**
 * Aggregation for stored metrics: averages, maxima and buckets. Pure. (How points are stored is
 * chunk-codec.ts; where, chunk-store.ts.)
 */
import type { Values } from './rates';

export interface Point {
  /** epoch ms */
  t: number;
  avg: Values;
  max: Values;
}

/** Average and maximum per series over points (nulls ignored; a series with no value stays null). */
export function aggregate(points: readonly Point[], n: number): { avg: Values; max: Values } {
  const sum = new Array<number>(n).fill(0);
  const cnt = new Array<number>(n).fill(0);
  const max: Values = new Array(n).fill(null);
  for (const p of points) {
    for (let i = 0; i < n; i++) {
      const a = p.avg[i];
      if (a != null) {
        sum[i]! += a;
        cnt[i]!++;
      }
      const m = p.max[i] ?? a;
      if (m != null && (max[i] === null || m > max[i]!)) max[i] = m;
    }
  }
  return { avg: sum.map((s, i) => (cnt[i] ? s / cnt[i]! : null)), max };
}

/**
 * Buckets time-sorted points into fixed windows of bucketMs (aligned to the epoch), each the
 * average and maximum of what fell in it. How a year of points becomes a chart's few hundred.
 */
export function bucketize(points: readonly Point[], bucketMs: number, n: number): Point[] {
  const out: Point[] = [];
  let cur: Point[] = [];
  let curStart = -1;
  for (const p of points) {
    const b = Math.floor(p.t / bucketMs) * bucketMs;
    if (b !== curStart && cur.length) {
      out.push({ t: curStart, ...aggregate(cur, n) });
      cur = [];
    }
    curStart = b;
    cur.push(p);
  }
  if (cur.length) out.push({ t: curStart, ...aggregate(cur, n) });
  return out;
}
