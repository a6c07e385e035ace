/**
 * Blob encodings and aggregation for stored metrics. Pure.
 *
 * raw row   (one entity, one minute): deflate(Float32 column-major [offsets…, series 0…, series 1…]),
 *           NaN = not reported. Columns put a series' 12 samples side by side, so a constant or
 *           unreported series (memory size, swap without guest stats, an idle disk) compresses to
 *           almost nothing.
 * 1m/1h row (one entity, one bucket): Float32 [avg0..avgn-1, max0..maxn-1] (too small to compress).
 * Float32 keeps 7 significant digits: plenty for a chart, and half the bytes of a double.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
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

/** The column-major Float32 layout of a raw row, before compression. */
function rawColumns(samples: { offsetSec: number; values: Values }[], n: number): Uint8Array {
  const m = samples.length;
  const a = new Float32Array(m * (n + 1));
  for (let j = 0; j < m; j++) {
    const s = samples[j]!;
    a[j] = s.offsetSec;
    for (let i = 0; i < n; i++) a[(i + 1) * m + j] = toF(s.values[i]);
  }
  return new Uint8Array(a.buffer);
}

/**
 * A row is under 1 KB, so a 1 KB window and a small hash table compress it as well as the defaults
 * (about 20 µs a row here; bench:metrics reports a minute's total).
 * Synchronous on purpose: thousands of async zlib streams a minute would each allocate their own
 * buffers and cost more in setup than the compression itself.
 */
export function encodeRaw(samples: { offsetSec: number; values: Values }[], n: number): Uint8Array {
  return deflateRawSync(rawColumns(samples, n), { level: 6, windowBits: 10, memLevel: 5 });
}

export function decodeRaw(blob: Uint8Array, minuteStartMs: number, n: number): Point[] {
  const a = f32(inflateRawSync(blob));
  const m = Math.floor(a.length / (n + 1));
  const out: Point[] = [];
  for (let j = 0; j < m; j++) {
    const values: Values = new Array(n);
    for (let i = 0; i < n; i++) values[i] = fromF(a[(i + 1) * m + j]!);
    out.push({ t: minuteStartMs + Math.round(a[j]! * 1000), avg: values, max: values });
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
