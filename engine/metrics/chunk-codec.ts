/**
 * The metrics chunk codec (issue 20): one entity's points over a time window, column by column,
 * bit-packed. Pure; runs in the SQLite worker (loaded by Node as-is: erasable syntax only).
 *
 * A chunk is `m` points of `k` columns: a timestamp column (ms from the chunk's start) and the
 * value columns (NaN = not reported). Gorilla's two ideas, adapted to what Hangar stores:
 *  - timestamps: delta-of-delta, so a steady 5-second cadence costs one bit a point;
 *  - values: Gorilla XORs float bits, which costs 3–8 bytes for any value whose low digits move.
 *    Stored values here are decimals of at most SIG significant digits (`quantize`), so each value
 *    is coded exactly as a decimal m·10^−e: the exponent (one bit when unchanged) and the mantissa
 *    as a delta from the previous value at that exponent. A value with no short decimal form
 *    (±Infinity, or one that did not come through `quantize`) is stored as its raw 64 bits: the
 *    codec itself is lossless for every number.
 *  - every delta is zigzagged and coded with a per-column bit width W picked for that column:
 *    `0` (no change), `10`+W bits, or `11`+6-bit length+that many bits. A constant or unreported
 *    column costs one or two bits a point; a noisy one costs about the bits its digits carry.
 *
 * Layout: u8 version, varint m, varint k, timestamps (int column), then per column a 2-bit
 * presence tag (0 none, 1 all, 2 mixed + m bits, 3 all and all equal: one value) and its values.
 * Version 2 (migration 20) puts before each column's values how they are coded, whichever is
 * shortest for that column: `0` the deltas above, `10` classes (writeClasses: noise), `11` a ratio
 * of an earlier column (writeRatio). Version 1 chunks are still read.
 */

/** Significant decimal digits kept per stored value (Float32, the old format, kept about 7.2). */
export const SIG = 6;

/** 2 (migration 20): a column is coded by deltas (version 1's way) or by classes, whichever is shorter. */
const VERSION = 2;
const P10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const EXP_BIAS = 15; // exponents −15..15 in 5 bits; 31 = raw 64-bit float
const EXP_RAW = 31;
const MAX_MANT = 2 ** 50;

/** Rounds to SIG significant decimal digits (null and non-finite values pass through). */
export function quantize(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const e = SIG - 1 - Math.floor(Math.log10(Math.abs(v)));
  return e >= 0 ? (e > 22 ? v : Math.round(v * P10[e]!) / P10[e]!) : -e > 22 ? v : Math.round(v / P10[-e]!) * P10[-e]!;
}

const scaleRound = (v: number, e: number): number => (e >= 0 ? Math.round(v * P10[e]!) : Math.round(v / P10[-e]!));
const fromDec = (m: number, e: number): number => (e >= 0 ? m / P10[e]! : m * P10[-e]!);
const zig = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);
const unzig = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);
const bitLen = (u: number): number => (u === 0 ? 0 : u < 2 ** 31 ? 32 - Math.clz32(u) : 32 + (32 - Math.clz32(Math.floor(u / 2 ** 32))));

class BitWriter {
  private buf = new Uint8Array(256);
  private pos = 0; // bits written
  private ensure(bits: number): void {
    const need = (this.pos + bits + 7) >> 3;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }
  /** Up to 53 bits of a non-negative integer, most significant first. */
  write(value: number, bits: number): void {
    if (bits === 0) return;
    if (bits > 24) {
      const hi = Math.floor(value / 2 ** 24);
      this.write(hi, bits - 24);
      this.write(value - hi * 2 ** 24, 24);
      return;
    }
    this.ensure(bits);
    // Fill the current byte, then whole bytes, then the rest: a few operations per call.
    let left = bits;
    while (left > 0) {
      const free = 8 - (this.pos & 7);
      const take = left < free ? left : free;
      const part = (value >>> (left - take)) & ((1 << take) - 1);
      this.buf[this.pos >> 3]! |= part << (free - take);
      this.pos += take;
      left -= take;
    }
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.write((n & 0x7f) | 0x80, 8);
      n = Math.floor(n / 128);
    }
    this.write(n, 8);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, (this.pos + 7) >> 3);
  }
  get bits(): number {
    return this.pos;
  }
  /** Another writer's bits after these. */
  append(o: BitWriter): void {
    const r = new BitReader(o.buf);
    let left = o.pos;
    while (left > 0) {
      const n = left < 24 ? left : 24;
      this.write(r.read(n), n);
      left -= n;
    }
  }
}

class BitReader {
  private pos = 0;
  private readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
  read(bits: number): number {
    if (bits > 24) {
      const hi = this.read(bits - 24);
      return hi * 2 ** 24 + this.read(24);
    }
    let v = 0;
    let left = bits;
    while (left > 0) {
      const byte = this.buf[this.pos >> 3];
      if (byte === undefined) throw new Error('metrics chunk: truncated');
      const avail = 8 - (this.pos & 7);
      const take = left < avail ? left : avail;
      v = (v << take) | ((byte >> (avail - take)) & ((1 << take) - 1));
      this.pos += take;
      left -= take;
    }
    return v >>> 0;
  }
  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = this.read(8);
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  }
}

/**
 * How a column's zigzagged deltas are coded: scheme A `0` (zero) | `10`+W bits | `11`+6-bit
 * length+bits, for columns mostly unchanged; scheme B `0`+W bits | `1`+6-bit length+bits, for
 * noisy ones. The width W and the scheme are picked per column from a histogram of bit lengths.
 */
interface Coding {
  b: 0 | 1;
  w: number;
  cost: number;
}

function pickCoding(hist: readonly number[]): Coding {
  const ls: number[] = [];
  for (let l = 0; l < 64; l++) if (hist[l]) ls.push(l);
  let best: Coding = { b: 0, w: 0, cost: Infinity };
  // The best width is one of the lengths present (or 0): a wider one only adds bits.
  for (const w of ls.length && ls[0] === 0 ? ls : [0, ...ls]) {
    let a = 0;
    let bc = 0;
    for (const l of ls) {
      const c = hist[l]!;
      a += l === 0 ? c : c * (l <= w ? 2 + w : 8 + l);
      bc += c * (l <= w ? 1 + w : 7 + l);
    }
    if (a < best.cost) best = { b: 0, w, cost: a };
    if (bc < best.cost) best = { b: 1, w, cost: bc };
  }
  return best;
}

function writeCoding(w: BitWriter, c: Coding): void {
  w.write(c.b, 1);
  w.write(c.w, 6);
}

function readCoding(r: BitReader): Coding {
  const b = r.read(1) as 0 | 1;
  return { b, w: r.read(6), cost: 0 };
}

function writeDelta(w: BitWriter, u: number, c: Coding): void {
  const l = bitLen(u);
  // Scheme A spends a bit more on a change to spend only one on no change.
  const fits = l <= c.w;
  if (c.b === 0 && u === 0) {
    w.write(0, 1);
    return;
  }
  if (c.b === 0) w.write(fits ? 0b10 : 0b11, 2);
  else w.write(fits ? 0 : 1, 1);
  if (fits) w.write(u, c.w);
  else {
    w.write(l, 6);
    w.write(u, l);
  }
}

function readDelta(r: BitReader, c: Coding): number {
  if (c.b === 0) {
    if (!r.read(1)) return 0;
    if (!r.read(1)) return r.read(c.w);
    return r.read(r.read(6));
  }
  if (!r.read(1)) return r.read(c.w);
  return r.read(r.read(6));
}

/** Non-negative integers (the timestamps), delta-of-delta. */
function writeInts(w: BitWriter, xs: readonly number[]): void {
  const us: number[] = [];
  const hist = new Array<number>(64).fill(0);
  let prev = 0;
  let prevD = 0;
  for (const x of xs) {
    const d = x - prev;
    const u = zig(d - prevD);
    us.push(u);
    hist[bitLen(u)]!++;
    prev = x;
    prevD = d;
  }
  const coding = pickCoding(hist);
  writeCoding(w, coding);
  for (const u of us) writeDelta(w, u, coding);
}

function readInts(r: BitReader, m: number): number[] {
  const coding = readCoding(r);
  const out: number[] = [];
  let prev = 0;
  let prevD = 0;
  for (let i = 0; i < m; i++) {
    const d = prevD + unzig(readDelta(r, coding));
    prev += d;
    prevD = d;
    out.push(prev);
  }
  return out;
}

/** Mantissa of v at exponent e if v is exactly m·10^−e (|m| < 2^50), else NaN. */
function mantissa(v: number, e: number): number {
  if (e < -EXP_BIAS || e > EXP_BIAS) return NaN;
  const m = e >= 0 ? Math.round(v * P10[e]!) : Math.round(v / P10[-e]!);
  if (!(m < MAX_MANT && m > -MAX_MANT)) return NaN;
  return (e >= 0 ? m / P10[e]! : m * P10[-e]!) === v ? m : NaN;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The exponent for v: the previous one if v is exact there and it is at most one digit finer than
 * v's own (`quantize`'s), else the smallest that is exact; NaN when v has no decimal
 * form (then it is stored raw). Keeping the previous one keeps deltas on one scale.
 */
function exponentFor(v: number, prevE: number): number {
  if (v === 0) return prevE;
  if (!Number.isFinite(v)) return NaN;
  // At most one digit finer than its own ⇔ at most SIG + 1 digits of mantissa.
  const mp = mantissa(v, prevE);
  if (!Number.isNaN(mp) && Math.abs(mp) < P10[SIG + 1]!) return prevE;
  const own = SIG - 1 - Math.floor(Math.log10(Math.abs(v)));
  if (!Number.isNaN(mantissa(v, own))) {
    // Trailing zeros dropped: an integer counter is coded at exponent 0, not at six digits.
    let e = own;
    while (e > -EXP_BIAS && !Number.isNaN(mantissa(v, e - 1))) e--;
    return e;
  }
  for (let e = Math.max(-EXP_BIAS, own - SIG); e <= EXP_BIAS; e++) if (!Number.isNaN(mantissa(v, e))) return e;
  return NaN;
}

function writeExp(w: BitWriter, e: number, cur: number): void {
  if (e === cur) w.write(0, 1);
  else if (e === cur + 1 || e === cur - 1) w.write(e > cur ? 0b100 : 0b101, 3);
  else {
    w.write(0b11, 2);
    w.write(e + EXP_BIAS, 5);
  }
}

function readExp(r: BitReader, cur: number): number {
  if (!r.read(1)) return cur;
  if (!r.read(1)) return r.read(1) ? cur - 1 : cur + 1;
  return r.read(5) - EXP_BIAS;
}

/**
 * A column's present values. Header: predictor (1 bit: 0 = from the previous value, 1 = none, for
 * white noise) and the coding. Per value: exponent (`0` unchanged, `10x` ±1, `11`+5 bits; 31 = a
 * raw float follows) and the zigzagged mantissa minus the prediction.
 */
function writeValues(w: BitWriter, vals: readonly number[]): void {
  const n = vals.length;
  const es = new Int8Array(n);
  const ms = new Float64Array(n);
  const ud = new Float64Array(n);
  const histD = new Array<number>(64).fill(0);
  const histN = new Array<number>(64).fill(0);
  let prev = 0;
  let prevE = 0;
  for (let i = 0; i < n; i++) {
    const v = vals[i]!;
    const e = exponentFor(v, prevE);
    if (Number.isNaN(e)) {
      es[i] = EXP_RAW;
      prev = 0;
      continue;
    }
    const m = v === 0 ? 0 : mantissa(v, e);
    const pred = prev === 0 ? 0 : scaleRound(prev, e);
    es[i] = e;
    ms[i] = m;
    ud[i] = zig(m - pred);
    histD[bitLen(ud[i]!)]!++;
    histN[bitLen(zig(m))]!++;
    prev = v;
    prevE = e;
  }
  const cd = pickCoding(histD);
  const cn = pickCoding(histN);
  const none = cn.cost < cd.cost;
  const coding = none ? cn : cd;
  w.write(none ? 1 : 0, 1);
  writeCoding(w, coding);
  let curE = 0;
  for (let i = 0; i < n; i++) {
    const e = es[i]!;
    if (e === EXP_RAW) {
      w.write(0b11, 2);
      w.write(EXP_RAW, 5);
      writeRaw(w, vals[i]!);
      continue;
    }
    writeExp(w, e, curE);
    curE = e;
    writeDelta(w, none ? zig(ms[i]!) : ud[i]!, coding);
  }
}

function readValues(r: BitReader, count: number, out: Float64Array, at: (i: number) => number): void {
  const none = r.read(1) === 1;
  const coding = readCoding(r);
  let prev = 0;
  let curE = 0;
  for (let i = 0; i < count; i++) {
    const e = readExp(r, curE);
    if (e === EXP_RAW - EXP_BIAS) {
      out[at(i)] = readRaw(r);
      prev = 0;
      continue;
    }
    curE = e;
    const pred = none || prev === 0 ? 0 : scaleRound(prev, e);
    const v = fromDec(pred + unzig(readDelta(r, coding)), e);
    out[at(i)] = v;
    prev = v;
  }
}

/**
 * Version 2's other way to code a column, for values that do not follow each other (noise, a
 * rate that jumps, small integer counts): each value's class is its sign and decimal exponent
 * (zero and raw 64-bit floats are classes of their own), coded by the class's rank in this
 * column (`0`, `10`, `110`…: the commonest class first), then its mantissa, trailing zeros the
 * whole class shares dropped, as an offset from the class's smallest in the class's fixed width.
 * A network rate uniform over 0–20,000 costs about 20 bits a value this way (the exact decimal
 * carries 19.4), against 25 as deltas.
 */
interface ValueClass {
  key: number;
  zero: boolean;
  raw: boolean;
  neg: boolean;
  e: number;
  tz: number;
  base: number;
  width: number;
  count: number;
}

const ZERO_KEY = -1;
const RAW_KEY = -2;
const MAX_CLASSES = 31;

/** Exact decimal form of a non-zero finite v as [e, |m|], or null (stored raw). */
function decimalOf(v: number): [number, number] | null {
  if (!Number.isFinite(v)) return null;
  const own = SIG - 1 - Math.floor(Math.log10(Math.abs(v)));
  for (let e = Math.max(-EXP_BIAS, own); e <= EXP_BIAS; e++) {
    const m = mantissa(v, e);
    if (!Number.isNaN(m)) return [e, Math.abs(m)];
  }
  return null;
}

const keyOf = (v: number, d: [number, number] | null): number => (v === 0 ? ZERO_KEY : d === null ? RAW_KEY : (d[0] + EXP_BIAS) * 2 + (v < 0 ? 1 : 0));

/** Bits of the class-coded form, and the classes (null when a column has more classes than fit). */
function planClasses(vals: readonly number[]): { bits: number; classes: ValueClass[]; decs: ([number, number] | null)[] } | null {
  const map = new Map<number, ValueClass & { ms: number[] }>();
  const decs: ([number, number] | null)[] = [];
  for (const v of vals) {
    const d = v === 0 ? null : decimalOf(v);
    decs.push(d);
    const key = keyOf(v, d);
    let c = map.get(key);
    if (!c) {
      c = { key, zero: v === 0, raw: v !== 0 && d === null, neg: v < 0, e: d ? d[0] : 0, tz: 0, base: 0, width: 0, count: 0, ms: [] };
      map.set(key, c);
    }
    c.count++;
    if (d) c.ms.push(d[1]);
  }
  if (map.size > MAX_CLASSES) return null;
  const classes = [...map.values()].sort((a, b) => b.count - a.count || a.key - b.key);
  let bits = 5;
  classes.forEach((c, rank) => {
    bits += 2 + (c.zero || c.raw ? 0 : 1 + 5);
    bits += c.count * (classes.length === 1 ? 0 : rank === classes.length - 1 ? rank : rank + 1);
    if (c.raw) bits += c.count * 64;
    if (c.zero || c.raw) return;
    let tz = 22;
    for (const m of c.ms) {
      let z = 0;
      let x = m;
      while (z < tz && x % 10 === 0 && x > 0) {
        x /= 10;
        z++;
      }
      if (x === 0) continue;
      tz = Math.min(tz, z);
    }
    if (tz === 22) tz = 0;
    let lo = Infinity;
    let hi = 0;
    for (const m of c.ms) {
      const x = m / P10[tz]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    c.tz = tz;
    c.base = lo;
    c.width = bitLen(hi - lo);
    bits += 5 + 6 + bitLen(lo) + 6 + c.count * c.width;
  });
  return { bits, classes, decs };
}

function writeClasses(w: BitWriter, vals: readonly number[], plan: NonNullable<ReturnType<typeof planClasses>>): void {
  const { classes, decs } = plan;
  const n = classes.length;
  w.write(n, 5);
  const rankOf = new Map<number, number>();
  classes.forEach((c, i) => {
    rankOf.set(c.key, i);
    w.write(c.zero ? 0 : c.raw ? 1 : 2, 2);
    if (c.zero || c.raw) return;
    w.write(c.neg ? 1 : 0, 1);
    w.write(c.e + EXP_BIAS, 5);
    w.write(c.tz, 5);
    w.write(bitLen(c.base), 6);
    w.write(c.base, bitLen(c.base));
    w.write(c.width, 6);
  });
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    const rank = rankOf.get(keyOf(v, decs[i]!))!;
    if (n > 1) {
      // Unary rank: r ones, then a zero unless it is the last class.
      for (let j = 0; j < rank; j++) w.write(1, 1);
      if (rank < n - 1) w.write(0, 1);
    }
    const c = classes[rank]!;
    if (c.zero) continue;
    if (c.raw) {
      writeRaw(w, v);
      continue;
    }
    w.write(decs[i]![1] / P10[c.tz]! - c.base, c.width);
  }
}

function readClasses(r: BitReader, count: number, out: Float64Array, at: (i: number) => number): void {
  const n = r.read(5);
  const classes: { kind: number; neg: boolean; e: number; tz: number; base: number; width: number }[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.read(2);
    if (kind !== 2) {
      classes.push({ kind, neg: false, e: 0, tz: 0, base: 0, width: 0 });
      continue;
    }
    const neg = r.read(1) === 1;
    const e = r.read(5) - EXP_BIAS;
    const tz = r.read(5);
    const base = r.read(r.read(6));
    classes.push({ kind, neg, e, tz, base, width: r.read(6) });
  }
  for (let i = 0; i < count; i++) {
    let rank = 0;
    if (n > 1) while (rank < n - 1 && r.read(1) === 1) rank++;
    const c = classes[rank]!;
    if (c.kind === 0) out[at(i)] = 0;
    else if (c.kind === 1) out[at(i)] = readRaw(r);
    else {
      const m = (r.read(c.width) + c.base) * P10[c.tz]!;
      out[at(i)] = fromDec(c.neg ? -m : m, c.e);
    }
  }
}

function writeRaw(w: BitWriter, v: number): void {
  f64[0] = v;
  const lo = LITTLE ? u32[0]! : u32[1]!;
  const hi = LITTLE ? u32[1]! : u32[0]!;
  w.write(hi >>> 16, 16);
  w.write(hi & 0xffff, 16);
  w.write(lo >>> 16, 16);
  w.write(lo & 0xffff, 16);
}

function readRaw(r: BitReader): number {
  const hi = (r.read(16) * 65536 + r.read(16)) >>> 0;
  const lo = (r.read(16) * 65536 + r.read(16)) >>> 0;
  if (LITTLE) {
    u32[0] = lo;
    u32[1] = hi;
  } else {
    u32[0] = hi;
    u32[1] = lo;
  }
  return f64[0]!;
}

/**
 * Version 2's third way: a column predicted from an earlier column of the chunk times a ratio r
 * (a VM's CPU % of the host is its CPU % of its vCPUs × vCPUs / host CPUs). Per value: the
 * exponent against the prediction's (`0` same), and the zigzagged mantissa minus the prediction
 * rounded to that exponent. Lossless like the others: only a cheaper guess.
 */
interface RatioRef {
  j: number;
  /** The reference column's value at each present value's point (NaN where it has none). */
  ref: Float64Array;
}

function predicted(x: number, r: number): number {
  if (!Number.isFinite(x) || x === 0) return 0;
  const p = quantize(x * r);
  return Number.isFinite(p) ? p : 0;
}

/** The prediction's exponent and mantissa at exponent e (both sides compute the same). */
function predExp(p: number): number | null {
  if (p === 0) return null;
  const d = decimalOf(p);
  return d ? d[0] : null;
}

function planRatio(vals: readonly number[], ref: Float64Array, r: number): { bits: number; coding: Coding } | null {
  const hist = new Array<number>(64).fill(0);
  let bits = 0;
  let curE = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    const p = predicted(ref[i]!, r);
    const pe = predExp(p) ?? curE;
    const d = v === 0 ? null : decimalOf(v);
    if (v !== 0 && !d) {
      bits += 7 + 64;
      continue;
    }
    const e = d ? d[0] : pe;
    bits += e === pe ? 1 : e === pe + 1 || e === pe - 1 ? 3 : 7;
    const m = d ? (v < 0 ? -d[1] : d[1]) : 0;
    const diff = m - (p === 0 ? 0 : scaleRound(p, e));
    // A guess far off (past 2^50) could not be coded exactly: not this ratio.
    if (!(Math.abs(diff) < MAX_MANT)) return null;
    hist[bitLen(zig(diff))]!++;
    curE = e;
  }
  const coding = pickCoding(hist);
  return { bits: bits + coding.cost + 7 + 64 + 16, coding };
}

function writeRatio(w: BitWriter, vals: readonly number[], ref: Float64Array, r: number, coding: Coding): void {
  writeRaw(w, r);
  writeCoding(w, coding);
  let curE = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    const p = predicted(ref[i]!, r);
    const pe = predExp(p) ?? curE;
    const d = v === 0 ? null : decimalOf(v);
    if (v !== 0 && !d) {
      w.write(0b11, 2);
      w.write(EXP_RAW, 5);
      writeRaw(w, v);
      continue;
    }
    const e = d ? d[0] : pe;
    writeExp(w, e, pe);
    const m = d ? (v < 0 ? -d[1] : d[1]) : 0;
    writeDelta(w, zig(m - (p === 0 ? 0 : scaleRound(p, e))), coding);
    curE = e;
  }
}

function readRatio(r: BitReader, count: number, out: Float64Array, at: (i: number) => number, refAt: (i: number) => number): void {
  const ratio = readRaw(r);
  const coding = readCoding(r);
  let curE = 0;
  for (let i = 0; i < count; i++) {
    const p = predicted(refAt(i), ratio);
    const pe = predExp(p) ?? curE;
    const e = readExp(r, pe);
    if (e === EXP_RAW - EXP_BIAS) {
      out[at(i)] = readRaw(r);
      continue;
    }
    const m = (p === 0 ? 0 : scaleRound(p, e)) + unzig(readDelta(r, coding));
    out[at(i)] = fromDec(m, e);
    curE = e;
  }
}

/** Ratios worth trying for a column: from the first point both have, checked at a few more. */
function ratioCandidates(vals: readonly number[], refs: readonly RatioRef[]): { j: number; ref: Float64Array; r: number }[] {
  const out: { j: number; ref: Float64Array; r: number }[] = [];
  for (const { j, ref } of refs) {
    let r = NaN;
    let checked = 0;
    let ok = true;
    for (let i = 0; i < vals.length && checked < 4; i++) {
      const v = vals[i]!;
      const x = ref[i]!;
      if (!Number.isFinite(v) || !Number.isFinite(x) || v === 0 || x === 0) continue;
      if (Number.isNaN(r)) {
        r = quantize(v / x);
        if (!Number.isFinite(r) || r === 0) break;
        continue;
      }
      checked++;
      if (Math.abs(predicted(x, r) - v) > Math.abs(v) * 1e-4) {
        ok = false;
        break;
      }
    }
    if (ok && checked > 0) out.push({ j, ref, r });
  }
  return out;
}

/**
 * Version 2: how the column is coded, whichever is shortest: `0` deltas, `10` classes, `11` a
 * ratio of an earlier column (its index as a varint follows).
 */
function writeColumn(w: BitWriter, vals: readonly number[], refs: readonly RatioRef[] = []): void {
  const d = new BitWriter();
  writeValues(d, vals);
  let best = d.bits;
  let mode = 0;
  const plan = vals.length > 1 ? planClasses(vals) : null;
  if (plan && plan.bits + 1 < best) {
    best = plan.bits + 1;
    mode = 1;
  }
  let ratio: { j: number; ref: Float64Array; r: number; coding: Coding } | null = null;
  if (vals.length > 1) {
    for (const c of ratioCandidates(vals, refs)) {
      const p = planRatio(vals, c.ref, c.r);
      if (p && p.bits + 1 < best) {
        best = p.bits + 1;
        mode = 2;
        ratio = { ...c, coding: p.coding };
      }
    }
  }
  if (mode === 0) {
    w.write(0, 1);
    w.append(d);
  } else if (mode === 1) {
    w.write(0b10, 2);
    writeClasses(w, vals, plan!);
  } else {
    w.write(0b11, 2);
    w.varint(ratio!.j);
    writeRatio(w, vals, ratio!.ref, ratio!.r, ratio!.coding);
  }
}

function readColumn(r: BitReader, version: number, count: number, out: Float64Array, at: (i: number) => number, refOf?: (j: number, i: number) => number): void {
  if (version < 2 || r.read(1) === 0) readValues(r, count, out, at);
  else if (r.read(1) === 0) readClasses(r, count, out, at);
  else {
    const j = r.varint();
    if (!refOf) throw new Error('metrics chunk: a ratio column without points');
    readRatio(r, count, out, at, (i) => refOf(j, i));
  }
}

export interface Chunk {
  /** ms from the chunk's start, ascending, non-negative integers. */
  times: number[];
  /** k columns × m points, column-major; NaN = not reported. */
  values: Float64Array;
  k: number;
}

export function encodeChunk(c: Chunk): Uint8Array {
  const m = c.times.length;
  const w = new BitWriter();
  w.write(VERSION, 8);
  w.varint(m);
  w.varint(c.k);
  writeInts(w, c.times);
  for (let col = 0; col < c.k; col++) {
    const base = col * m;
    const present: number[] = [];
    for (let i = 0; i < m; i++) if (!Number.isNaN(c.values[base + i]!)) present.push(c.values[base + i]!);
    if (!present.length) {
      w.write(0, 2);
      continue;
    }
    const idx: number[] = [];
    for (let i = 0; i < m; i++) if (!Number.isNaN(c.values[base + i]!)) idx.push(i);
    // Earlier columns with a value at most of this one's points: candidates for a ratio.
    const refs: RatioRef[] = [];
    for (let j = 0; j < col && present.length > 1; j++) {
      const ref = new Float64Array(idx.length);
      let have = 0;
      for (let i = 0; i < idx.length; i++) if (!Number.isNaN((ref[i] = c.values[j * m + idx[i]!]!))) have++;
      if (have * 2 > idx.length) refs.push({ j, ref });
    }
    if (present.length === m) {
      if (present.every((v) => Object.is(v, present[0]))) {
        // A constant column (memory size, an idle disk): its one value.
        w.write(3, 2);
        writeColumn(w, [present[0]!]);
        continue;
      }
      w.write(1, 2);
    } else {
      w.write(2, 2);
      for (let i = 0; i < m; i++) w.write(Number.isNaN(c.values[base + i]!) ? 0 : 1, 1);
    }
    writeColumn(w, present, refs);
  }
  return w.bytes();
}

export function decodeChunk(blob: Uint8Array): Chunk {
  const r = new BitReader(blob);
  const version = r.read(8);
  if (version !== 1 && version !== VERSION) throw new Error(`metrics chunk: unknown version ${version}`);
  const m = r.varint();
  const k = r.varint();
  const times = readInts(r, m);
  const values = new Float64Array(k * m).fill(NaN);
  for (let col = 0; col < k; col++) {
    const base = col * m;
    const tag = r.read(2);
    if (tag === 0) continue;
    if (tag === 3) {
      readColumn(r, version, 1, values, () => base);
      values.fill(values[base]!, base, base + m);
    } else if (tag === 1) readColumn(r, version, m, values, (i) => base + i, (j, i) => values[j * m + i]!);
    else {
      const idx: number[] = [];
      for (let i = 0; i < m; i++) if (r.read(1)) idx.push(i);
      readColumn(r, version, idx.length, values, (i) => base + idx[i]!, (j, i) => values[j * m + idx[i]!]!);
    }
  }
  return { times, values, k };
}

/** Points of several chunks (already decoded, in time order) as one chunk; times relative to `startMs`. */
export function concatChunks(parts: readonly { startMs: number; chunk: Chunk }[], startMs: number, k: number): Chunk {
  const m = parts.reduce((a, p) => a + p.chunk.times.length, 0);
  const times: number[] = [];
  const values = new Float64Array(k * m).fill(NaN);
  let j = 0;
  for (const p of parts) {
    const pm = p.chunk.times.length;
    for (let i = 0; i < pm; i++) {
      times.push(p.startMs - startMs + p.chunk.times[i]!);
      for (let col = 0; col < Math.min(k, p.chunk.k); col++) values[col * m + j + i] = p.chunk.values[col * pm + i]!;
    }
    j += pm;
  }
  // Parts are in key order; a point written late (an hour rewritten after a restart) is put in place.
  for (let i = 1; i < m; i++) if (times[i]! < times[i - 1]!) return sortPoints({ times, values, k });
  return { times, values, k };
}

/** The same points in time order (stable: two points at one time keep their order). */
function sortPoints(c: Chunk): Chunk {
  const m = c.times.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => c.times[a]! - c.times[b]! || a - b);
  const values = new Float64Array(c.values.length);
  for (let col = 0; col < c.k; col++) order.forEach((i, j) => (values[col * m + j] = c.values[col * m + i]!));
  return { times: order.map((i) => c.times[i]!), values, k: c.k };
}
