/**
 * XDR (RFC 4506) encoding and decoding, as libvirt's remote protocol uses it.
 *
 * Everything here is written for hostile input: a peer (or a corrupted stream) may send any bytes,
 * so every read is bounds-checked against the bytes actually present and against the protocol's
 * declared maximum, and a length word is never trusted to size an allocation. Malformed input
 * raises a HangarError('LIBVIRT_ERROR', …, {protocol: true}); it never throws a RangeError or
 * allocates more than the message already holds.
 */
import { HangarError } from '../contract/errors';

/** Thrown for any malformed XDR; `details.protocol` tells it apart from libvirt's own errors. */
export function xdrError(message: string): HangarError {
  return new HangarError('LIBVIRT_ERROR', `Malformed libvirt message: ${message}`, { protocol: true });
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Strings up to this many bytes are read in JavaScript when ASCII (names, fields): no native call each. */
const SHORT_STRING = 64;

function shortString(buf: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < at + n; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return UTF8.decode(buf.subarray(at, at + n));
    s += String.fromCharCode(c);
  }
  return s;
}

/** Sequential reader over one message body. */
export class XdrReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) throw xdrError(`truncated ${what} (need ${n} bytes, have ${this.end - this.pos})`);
  }

  int(): number {
    this.need(4, 'int');
    const v = this.view.getInt32(this.pos, false);
    this.pos += 4;
    return v;
  }

  uint(): number {
    this.need(4, 'unsigned int');
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  hyperBig(): bigint {
    this.need(8, 'hyper');
    const v = this.view.getBigInt64(this.pos, false);
    this.pos += 8;
    return v;
  }

  uhyperBig(): bigint {
    this.need(8, 'unsigned hyper');
    const v = this.view.getBigUint64(this.pos, false);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8, 'double');
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    const v = this.int();
    if (v !== 0 && v !== 1) throw xdrError(`bool out of range (${v})`);
    return v === 1;
  }

  /** A length word for variable data, checked against the protocol maximum and the bytes left. */
  length(max: number, what: string, minElementSize: number): number {
    const n = this.uint();
    if (n > max) throw xdrError(`${what} length ${n} exceeds maximum ${max}`);
    // Each element needs at least minElementSize bytes, so a bogus count is caught before any loop.
    if (n * minElementSize > this.remaining) throw xdrError(`${what} length ${n} exceeds message`);
    return n;
  }

  fixedOpaque(n: number): Uint8Array {
    const padded = (n + 3) & ~3;
    this.need(padded, 'opaque');
    // A copy, so a decoded value never pins (or aliases) the whole receive buffer.
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += padded;
    return out;
  }

  /** `n` bytes (padded) read in place by `read`, without a copy: e.g. a UUID straight to its text. */
  fixed<T>(n: number, read: (buf: Uint8Array, at: number) => T): T {
    const padded = (n + 3) & ~3;
    this.need(padded, 'opaque');
    const v = read(this.buf, this.pos);
    this.pos += padded;
    return v;
  }

  varOpaque(max: number): Uint8Array {
    return this.fixedOpaque(this.length(max, 'opaque', 1));
  }

  string(max: number): string {
    const n = this.length(max, 'string', 1);
    const padded = (n + 3) & ~3;
    this.need(padded, 'string');
    const s = n <= SHORT_STRING ? shortString(this.buf, this.pos, n) : UTF8.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += padded;
    return s;
  }

  /** The body must be consumed exactly; trailing bytes mean we decoded the wrong type. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw xdrError(`${this.end - this.pos} trailing bytes after ${what}`);
  }
}

/** Growable writer; encodes into one buffer so a message is a single socket write. */
export class XdrWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw xdrError(`int out of range: ${v}`);
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw xdrError(`unsigned int out of range: ${v}`);
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  hyperBig(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  uhyperBig(v: bigint): void {
    if (v < 0n) throw xdrError(`unsigned hyper is negative: ${v}`);
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.int(v ? 1 : 0);
  }

  fixedOpaque(data: Uint8Array, n: number): void {
    if (data.length !== n) throw xdrError(`fixed opaque must be ${n} bytes, got ${data.length}`);
    this.rawPadded(data);
  }

  varOpaque(data: Uint8Array, max: number): void {
    if (data.length > max) throw xdrError(`opaque of ${data.length} bytes exceeds maximum ${max}`);
    this.uint(data.length);
    this.rawPadded(data);
  }

  string(s: string, max: number): void {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > max) throw xdrError(`string of ${bytes.length} bytes exceeds maximum ${max}`);
    this.uint(bytes.length);
    this.rawPadded(bytes);
  }

  /** Raw bytes without a length word (stream payloads). */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  private rawPadded(data: Uint8Array): void {
    const padded = (data.length + 3) & ~3;
    this.ensure(padded);
    this.buf.set(data, this.pos);
    this.buf.fill(0, this.pos + data.length, this.pos + padded);
    this.pos += padded;
  }

  /** Overwrites an already written uint (the frame's length word). */
  patchUint(at: number, v: number): void {
    this.buf.writeUInt32BE(v, at);
  }

  /** The encoded bytes (a view; do not keep the writer around afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
