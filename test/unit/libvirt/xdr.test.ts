/**
 * XDR codec: RFC 4506 encodings, and hostile input handled as HangarError, never a crash or an
 * allocation sized by an attacker's length word.
 */
import { describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import {
  array,
  decodeBuffer,
  double,
  encodeToBuffer,
  fixedOpaque,
  hyper,
  hyperBig,
  int,
  opaque,
  optional,
  string,
  struct,
  uhyper,
  uint,
  union,
} from '../../../engine/libvirt/codec';
import { XdrReader } from '../../../engine/libvirt/xdr';
import { typedParam, uuid } from '../../../engine/libvirt/protocol/types';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const malformed = (fn: () => unknown): void => {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HangarError);
  expect(caught).toMatchObject({ code: 'LIBVIRT_ERROR', details: { protocol: true } });
};

describe('XDR encodings (RFC 4506)', () => {
  it('encodes integers big-endian in 4 and 8 bytes', () => {
    expect(hex(encodeToBuffer(int, -2))).toBe('fffffffe');
    expect(hex(encodeToBuffer(uint, 0xdeadbeef))).toBe('deadbeef');
    expect(hex(encodeToBuffer(hyper, -1))).toBe('ffffffffffffffff');
    expect(hex(encodeToBuffer(uhyper, 2 ** 40 + 5))).toBe('0000010000000005');
    expect(decodeBuffer(hyperBig, Buffer.from('8000000000000000', 'hex'))).toBe(-(2n ** 63n));
    expect(decodeBuffer(double, encodeToBuffer(double, 1.5))).toBe(1.5);
  });

  it('pads strings and opaques to 4 bytes with zeros, after a length word', () => {
    expect(hex(encodeToBuffer(string(10), 'abcde'))).toBe('00000005' + '6162636465' + '000000');
    expect(hex(encodeToBuffer(opaque(10), Buffer.from([1, 2, 3, 4])))).toBe('00000004' + '01020304');
    expect(hex(encodeToBuffer(fixedOpaque(3), Buffer.from([9, 9, 9])))).toBe('09090900');
    expect(decodeBuffer(string(10), Buffer.from('000000026869' + '0000', 'hex'))).toBe('hi');
  });

  it('encodes optional data as a bool and the value, arrays as a count and elements', () => {
    const o = optional(int);
    expect(hex(encodeToBuffer(o, null))).toBe('00000000');
    expect(hex(encodeToBuffer(o, 7))).toBe('00000001' + '00000007');
    expect(decodeBuffer(array(int, 5), Buffer.from('00000002' + '00000001' + 'ffffffff', 'hex'))).toEqual([1, -1]);
  });

  it('encodes structs in field order and unions as discriminant then arm', () => {
    const s = struct({ a: int, b: string(8) });
    const bytes = encodeToBuffer(s, { a: 1, b: 'x' });
    expect(hex(bytes)).toBe('00000001' + '00000001' + '78000000');
    expect(decodeBuffer(s, bytes)).toEqual({ a: 1, b: 'x' });
    type U = { type: 1; value: number } | { type: 2; value: string };
    const u = union<U>({ 1: int, 2: string(4) });
    expect(decodeBuffer(u, encodeToBuffer(u, { type: 2, value: 'ab' }))).toEqual({ type: 2, value: 'ab' });
  });

  it('round-trips typed parameters of every type and UUIDs in text form', () => {
    const params = [
      { field: 'i', type: 1, value: -5 },
      { field: 'u', type: 2, value: 5 },
      { field: 'l', type: 3, value: -(2 ** 40) },
      { field: 'ul', type: 4, value: 2 ** 50 },
      { field: 'd', type: 5, value: 0.25 },
      { field: 'b', type: 6, value: true },
      { field: 's', type: 7, value: 'vda' },
    ] as const;
    for (const p of params) expect(decodeBuffer(typedParam, encodeToBuffer(typedParam, p))).toEqual(p);
    const id = '6695eb01-f6a4-8304-79aa-97f2502e193f';
    expect(hex(encodeToBuffer(uuid, id))).toBe(id.replace(/-/g, ''));
    expect(decodeBuffer(uuid, encodeToBuffer(uuid, id))).toBe(id);
  });

  it('refuses values that cannot be encoded', () => {
    malformed(() => encodeToBuffer(int, 2 ** 31));
    malformed(() => encodeToBuffer(uint, -1));
    malformed(() => encodeToBuffer(uhyper, 1.5));
    malformed(() => encodeToBuffer(string(3), 'abcd'));
    malformed(() => encodeToBuffer(array(int, 1), [1, 2]));
    malformed(() => encodeToBuffer(uuid, 'not-a-uuid'));
  });
});

describe('XDR decoding of hostile input', () => {
  it('fails on truncation at every position instead of reading past the end', () => {
    const s = struct({ a: int, s: string(100), h: uhyper, o: optional(string(10)) });
    const full = encodeToBuffer(s, { a: 1, s: 'hello world', h: 42, o: 'x' });
    for (let n = 0; n < full.length; n++) malformed(() => decodeBuffer(s, full.subarray(0, n)));
    expect(decodeBuffer(s, full)).toEqual({ a: 1, s: 'hello world', h: 42, o: 'x' });
  });

  it('refuses a length above the protocol maximum or above the bytes present, without allocating it', () => {
    malformed(() => decodeBuffer(string(4), Buffer.from('00000005' + '6161616161000000', 'hex')));
    // A 4-billion-element array in a 12-byte message: refused before any loop or allocation.
    malformed(() => decodeBuffer(array(int, 0xffffffff), Buffer.from('ffffffff' + '00000001' + '00000002', 'hex')));
    malformed(() => decodeBuffer(opaque(0xffffffff), Buffer.from('7fffffff00', 'hex')));
  });

  it('refuses bad discriminants, bad bools and trailing bytes', () => {
    type U = { type: 1; value: number };
    malformed(() => decodeBuffer(union<U>({ 1: int }), Buffer.from('00000009' + '00000000', 'hex')));
    malformed(() => decodeBuffer(optional(int), Buffer.from('00000002' + '00000000', 'hex')));
    malformed(() => decodeBuffer(int, Buffer.from('0000000100', 'hex')));
    malformed(() => decodeBuffer(typedParam, Buffer.from('00000001' + '61000000' + '00000063' + '00000000', 'hex')));
  });

  it('reads only within its window of a larger buffer', () => {
    const buf = Buffer.from('00000001' + '00000002' + '00000003', 'hex');
    const r = new XdrReader(buf, 4, 8);
    expect(r.int()).toBe(2);
    malformed(() => r.int());
  });
});
