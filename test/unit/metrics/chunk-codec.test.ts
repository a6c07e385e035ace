import { describe, expect, it } from 'vitest';
import { concatChunks, decodeChunk, encodeChunk, quantize, SIG, type Chunk } from '../../../engine/metrics/chunk-codec';

/** Column-major values from rows of numbers (null = not reported → NaN). */
function chunk(times: number[], rows: (number | null)[][]): Chunk {
  const m = times.length;
  const k = rows[0]?.length ?? 0;
  const values = new Float64Array(k * m);
  for (let j = 0; j < m; j++) for (let c = 0; c < k; c++) values[c * m + j] = rows[j]![c] ?? NaN;
  return { times, values, k };
}

/** Exact equality, bit for bit, NaN with NaN (−0 is stored as 0: a chart cannot tell them apart). */
function expectSame(a: Chunk, b: Chunk): void {
  expect(b.times).toEqual(a.times);
  expect(b.k).toBe(a.k);
  expect(b.values.length).toBe(a.values.length);
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = b.values[i]!;
    if (!(Number.isNaN(x) ? Number.isNaN(y) : x === y)) throw new Error(`value ${i}: wrote ${x}, read ${y}`);
  }
}

const roundTrip = (c: Chunk): Uint8Array => {
  const blob = encodeChunk(c);
  expectSame(c, decodeChunk(blob));
  return blob;
};

/** Seeded, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('metrics chunk codec', () => {
  it('round-trips exactly: zero, negatives, large counters, non-decimal floats, infinities, gaps', () => {
    const odd = [0, -1, -123.456, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 1e15 + 1, 1 / 3, Math.PI, -Math.E, 1e-300, 1e300, 5e-324, Infinity, -Infinity];
    const times = odd.map((_, i) => i * 5000);
    roundTrip(chunk(times, odd.map((v, i) => [v, i % 3 === 0 ? null : v, 7, null])));
    // Reversed order: large deltas both ways.
    roundTrip(chunk(times, [...odd].reverse().map((v) => [v])));
  });

  it('stores "not reported" as NaN and −0 as 0', () => {
    const d = decodeChunk(encodeChunk(chunk([0, 5000], [[null, -0], [NaN, -0]])));
    expect(Number.isNaN(d.values[0]!) && Number.isNaN(d.values[1]!)).toBe(true);
    expect(d.values[2]).toBe(0);
  });

  it('keeps irregular timestamps (a late round, a gap, two in one millisecond)', () => {
    const times = [0, 5000, 10_003, 15_001, 15_001, 45_000, 45_500, 3_599_999];
    roundTrip(chunk(times, times.map((t) => [t / 1000, null])));
  });

  it('handles empty and one-point chunks', () => {
    roundTrip({ times: [], values: new Float64Array(0), k: 3 });
    roundTrip(chunk([0], [[1.5, null, 2 ** 50]]));
  });

  it('merges chunks across a boundary with their own start times', () => {
    const a = chunk([0, 5000, 55_000], [[1, 2], [3, null], [5, 6]]);
    const b = chunk([0, 5000], [[7, 8], [9, 10]]);
    const merged = concatChunks(
      [
        { startMs: 3_600_000, chunk: decodeChunk(roundTrip(a)) },
        { startMs: 3_660_000, chunk: decodeChunk(roundTrip(b)) },
      ],
      3_600_000,
      2,
    );
    expect(merged.times).toEqual([0, 5000, 55_000, 60_000, 65_000]);
    expect(Array.from(merged.values.subarray(0, 5))).toEqual([1, 3, 5, 7, 9]);
    roundTrip(merged);
  });

  it('keeps values to SIG significant digits, and rounding twice changes nothing', () => {
    expect(SIG).toBe(6);
    expect(quantize(119.91666666)).toBe(119.917);
    expect(quantize(0.000123456789)).toBe(0.000123457);
    expect(quantize(523_456_789)).toBe(523_457_000);
    expect(quantize(-42.4242424)).toBe(-42.4242);
    expect(quantize(0)).toBe(0);
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const v = (r() - 0.3) * 10 ** Math.floor(r() * 24 - 10);
      const q = quantize(v);
      expect(quantize(q)).toBe(q);
      expect(Math.abs(q - v)).toBeLessThanOrEqual(Math.abs(v) * 5.01e-6);
    }
  });

  it('round-trips randomised chunks exactly (walks, noise, counters, bursts, gaps, raw floats)', () => {
    const r = rng(20);
    for (let trial = 0; trial < 300; trial++) {
      const m = 1 + Math.floor(r() * 800);
      const k = 1 + Math.floor(r() * 8);
      const times: number[] = [];
      let t = Math.floor(r() * 1000);
      for (let i = 0; i < m; i++) {
        times.push(t);
        t += r() < 0.9 ? 5000 : Math.floor(r() * 100_000);
      }
      const values = new Float64Array(k * m);
      for (let c = 0; c < k; c++) {
        const kind = Math.floor(r() * 7);
        let x = (r() - 0.5) * 10 ** Math.floor(r() * 12);
        for (let i = 0; i < m; i++) {
          let v: number;
          if (kind === 0) v = quantize((x += (r() - 0.5) * Math.abs(x || 1) * 0.1)); // a random walk
          else if (kind === 1) v = quantize(r() * 2e4); // white noise
          else if (kind === 2) v = (x = Math.abs(Math.round(x)) + Math.floor(r() * 1e6)); // a counter
          else if (kind === 3) v = r() < 0.2 ? quantize(r() * 5e7) : 0; // bursts
          else if (kind === 4) v = 1073741824; // constant
          else if (kind === 5) v = r() * 1e3 - 500; // full-precision doubles (stored raw)
          else v = quantize(10 ** (r() * 30 - 15) * (r() < 0.5 ? -1 : 1)); // every magnitude
          values[c * m + i] = r() < 0.1 ? NaN : v;
        }
      }
      roundTrip({ times, values, k });
    }
  });

  it('costs about a bit a point for a steady cadence and a constant, and little for a gauge', () => {
    const m = 720;
    const times = Array.from({ length: m }, (_, i) => i * 5000);
    const r = rng(3);
    let mem = 4e8;
    const rows = times.map(() => [1073741824, null, 0, quantize((mem += Math.round((r() - 0.5) * 1e5) * 1024))]);
    const blob = roundTrip(chunk(times, rows));
    // 4 columns × 720 points: timestamps and three quiet columns nearly free, memory ~2 bytes.
    expect(blob.byteLength / (4 * m)).toBeLessThan(0.8);
  });

  it('reads a chunk written by version 1 (migration 18) exactly', () => {
    const v1 = Buffer.from('01060408ce9c41357a3117674b9bc4803d09023667feffe0000000000001fcff55555555555557855f423f685994ba1984216000', 'hex');
    const d = decodeChunk(new Uint8Array(v1));
    expect(d.times).toEqual([0, 5000, 10_000, 15_003, 20_000, 60_000]);
    expect(Array.from(d.values.subarray(0, 6))).toEqual([12.3456, 12.5, -7.25, Infinity, 1 / 3, 99999.9]);
    expect(Array.from(d.values.subarray(6, 12))).toEqual(Array(6).fill(1e9));
    expect(Array.from(d.values.subarray(12, 18)).map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, 3, null, 4, 5, 6]);
    expect(Array.from(d.values.subarray(18, 24))).toEqual(Array(6).fill(0));
  });

  it('codes white noise by class (sign and exponent) near what its digits carry', () => {
    const r = rng(11);
    const m = 720;
    const times = Array.from({ length: m }, (_, i) => i * 5000);
    const rx = roundTrip(chunk(times, times.map(() => [quantize(r() * 2e4)])));
    // Bits per point, its timestamp (~1 bit) included. The exact 6-digit decimal of a uniform
    // 0–20,000 value carries ~19.4 bits; as deltas (version 1) it cost ~25.
    expect((rx.byteLength * 8) / m).toBeLessThan(22.5);
    const pkts = roundTrip(chunk(times, times.map(() => [Math.round(r() * 67)])));
    expect((pkts.byteLength * 8) / m).toBeLessThan(8.5); // 0–67: 6.1 bits of information
    const bursts = roundTrip(chunk(times, times.map(() => [r() < 0.8 ? 0 : quantize(r() * 5e7)])));
    expect((bursts.byteLength * 8) / m).toBeLessThan(7.5); // ~5.3 bits of information
  });

  it('round-trips the edges: ±Infinity, −0, NaN as not reported, resets, signs, raw doubles', () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 5000);
    const counter = [5e9, 5.0001e9, 5.0002e9, 12, 40, 41, 41, 41, 2 ** 52, 0, 1, 2]; // two resets
    const signs = [-3, 3, -0.001, 0.001, -1e12, 1e12, -7.5, 7.5, -1, 1, -2e-9, 2e-9];
    const edges = [Infinity, -Infinity, 0, Math.PI, -Math.E, 1e-300, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1 + 0.2, 1 / 3, 1e21];
    roundTrip(chunk(times, times.map((_, i) => [counter[i]!, signs[i]!, edges[i]!, i % 4 ? null : edges[i]!])));
    const d = decodeChunk(encodeChunk(chunk([0, 1], [[-0], [-0]])));
    expect(Object.is(d.values[0], 0)).toBe(true);
  });

  it('keeps out-of-order times, and merging puts a late point in place', () => {
    roundTrip(chunk([10_000, 5000, 5000, 0, 3_599_999], [[1], [2], [3], [4], [5]]));
    const day = chunk([0, 7_200_000], [[1], [3]]);
    const late = chunk([0], [[2]]);
    const merged = concatChunks(
      [
        { startMs: 0, chunk: day },
        { startMs: 3_600_000, chunk: late },
      ],
      0,
      1,
    );
    expect(merged.times).toEqual([0, 3_600_000, 7_200_000]);
    expect(Array.from(merged.values)).toEqual([1, 2, 3]);
  });

  it('round-trips random columns of every class mix (property, 200 seeds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const m = 1 + Math.floor(r() * 300);
      const times = Array.from({ length: m }, (_, i) => i * 5000 + (r() < 0.05 ? Math.floor(r() * 4000) : 0));
      const pick = [0, 0.5, -2.25, 1e-9, 123456, -987654, 42, 1e15 + 1, Infinity];
      const rows = times.map(() => {
        const a = r();
        return [a < 0.1 ? null : a < 0.4 ? pick[Math.floor(r() * pick.length)]! : quantize((r() - 0.5) * 10 ** Math.floor(r() * 8)), r() < 0.5 ? 0 : Math.floor(r() * 1000)];
      });
      roundTrip(chunk(times, rows));
    }
  });

  it("predicts a column from an earlier one times a ratio (a VM's CPU % of the host)", () => {
    const r = rng(5);
    const m = 720;
    const times = Array.from({ length: m }, (_, i) => i * 5000);
    let cpu = 30;
    const rows = times.map(() => {
      const raw = (cpu = Math.min(100, Math.max(0, cpu + (r() - 0.5) * 10)));
      // 2 vCPUs on a 12-CPU host: the host's share is raw × 2 / 12, each rounded on its own.
      return [quantize(raw), r() < 0.02 ? null : quantize((raw * 2) / 12)];
    });
    const both = roundTrip(chunk(times, rows));
    const alone = roundTrip(chunk(times, rows.map((x) => [x[0]!, null])));
    // The second column costs a few bits a value (its presence bit, exponent, a residual of a
    // unit or two in the 6th digit) instead of ~19.
    expect(((both.byteLength - alone.byteLength) * 8) / m).toBeLessThan(8);
    // A reference that is far off, zero, missing or infinite still round-trips.
    roundTrip(chunk([0, 1, 2, 3, 4, 5], [[1, 0.5], [2, 1], [0, 7], [null, 3], [Infinity, 1e300], [1e-300, -2]]));
  });
});
