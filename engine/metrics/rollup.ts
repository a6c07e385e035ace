/**
 * Blob encodings and aggregation for stored metrics. Pure.
 *
 * raw row   (one entity, one minute): Float32 [offsetSec, v0..vn-1] per sample, NaN = not reported.
 * 1m/1h row (one entity, one bucket): Float32 [avg0..avgn-1, max0..maxn-1].
 * Float32 keeps 7 significant digits: plenty for a chart, and half the bytes of a double.
 */
import type { Values } from './rates';

export interface Point {
  /** epoch ms */
  t: number;
  avg: Values;
  max: Values;
}

const toF = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? NaN : v);
const fromF = (v: number) => (Number.isNaN(v) ? null : v);

export function f32(u8: Uint8Array): Float32Array {
  // Structured clones usually start at offset 0; copy when they do not, Float32Array needs alignment.
  if (u8.byteOffset % 4 === 0) return new Float32Array(u8.buffer, u8.byteOffset, u8.byteLength >> 2);
  return new Float32Array(u8.slice().buffer);
}

export function encodeRaw(samples: { offsetSec: number; values: Values }[], n: number): Uint8Array {
  const a = new Float32Array(samples.length * (n + 1));
  let k = 0;
  for (const s of samples) {
    a[k++] = s.offsetSec;
    for (let i = 0; i < n; i++) a[k++] = toF(s.values[i]);
  }
  return new Uint8Array(a.buffer);
}

export function decodeRaw(blob: Uint8Array, minuteStartMs: number, n: number): Point[] {
  const a = f32(blob);
  const out: Point[] = [];
  for (let k = 0; k + n < a.length; k += n + 1) {
    const values: Values = new Array(n);
    for (let i = 0; i < n; i++) values[i] = fromF(a[k + 1 + i]!);
    out.push({ t: minuteStartMs + Math.round(a[k]! * 1000), avg: values, max: values });
  }
  return out;
}

export function encodeAgg(avg: Values, max: Values, n: number): Uint8Array {
  const a = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    a[i] = toF(avg[i]);
    a[n + i] = toF(max[i]);
  }
  return new Uint8Array(a.buffer);
}

export function decodeAgg(blob: Uint8Array, t: number, n: number): Point {
  const a = f32(blob);
  const avg: Values = new Array(n);
  const max: Values = new Array(n);
  for (let i = 0; i < n; i++) {
    avg[i] = fromF(a[i]!);
    max[i] = fromF(a[n + i]!);
  }
  return { t, avg, max };
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
