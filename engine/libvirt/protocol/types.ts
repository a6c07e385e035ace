/**
 * Shared structs of remote_protocol.x: object handles (domain, network, pool, volume, snapshot),
 * strings, UUIDs and typed parameters.
 */
import {
  array,
  double,
  hyper,
  int,
  optional,
  string,
  struct,
  uhyper,
  uint,
  union,
  type Codec,
  type Infer,
} from '../codec';
import { xdrError } from '../xdr';
import { REMOTE_STRING_MAX, VIR_UUID_BUFLEN } from './constants';

export const nonnullString = string(REMOTE_STRING_MAX);
/** remote_string: a string that may be NULL. */
export const optString = optional(nonnullString);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Hex digit values by char code (-1: not a hex digit). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}
const DASH = 0x2d;

/* The inventory converts a UUID each way for every domain (its handle in each call, its listing in
   each reply): table lookups instead of hex strings, regular expressions and buffer copies. */

export function uuidToString(b: Uint8Array, at = 0): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[at + i]!];
  }
  return s;
}

/** 32 hex digits, with the four dashes of the canonical form or none (as libvirt accepts). */
export function uuidFromString(s: string): Uint8Array {
  const dashed = s.length === 36;
  if (!dashed && s.length !== 32) throw xdrError(`not a UUID: ${JSON.stringify(s)}`);
  const out = new Uint8Array(VIR_UUID_BUFLEN);
  let p = 0;
  for (let i = 0; i < 16; i++) {
    if (dashed && (i === 4 || i === 6 || i === 8 || i === 10) && s.charCodeAt(p++) !== DASH) throw xdrError(`not a UUID: ${JSON.stringify(s)}`);
    const c1 = s.charCodeAt(p++);
    const c2 = s.charCodeAt(p++);
    const hi = c1 < 128 ? HEX_VALUE[c1]! : -1;
    const lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
    if (hi < 0 || lo < 0) throw xdrError(`not a UUID: ${JSON.stringify(s)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** remote_uuid, carried as its canonical lower-case text form. */
export const uuid: Codec<string> = {
  encode: (w, v) => w.fixedOpaque(uuidFromString(v), VIR_UUID_BUFLEN),
  decode: (r) => r.fixed(VIR_UUID_BUFLEN, uuidToString),
};

/** A domain handle; id is -1 while the domain is not running. */
export const domainRef = struct({ name: nonnullString, uuid, id: int });
export type DomainRef = Infer<typeof domainRef>;
export const optDomainRef = optional(domainRef);

export const networkRef = struct({ name: nonnullString, uuid });
export type NetworkRef = Infer<typeof networkRef>;

export const storagePoolRef = struct({ name: nonnullString, uuid });
export type StoragePoolRef = Infer<typeof storagePoolRef>;

export const storageVolRef = struct({ pool: nonnullString, name: nonnullString, key: nonnullString });
export type StorageVolRef = Infer<typeof storageVolRef>;

export const snapshotRef = struct({ name: nonnullString, dom: domainRef });
export type SnapshotRef = Infer<typeof snapshotRef>;

/** virTypedParameterType */
export const TypedParamType = { INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7 } as const;

type WireValue =
  | { type: 1; value: number }
  | { type: 2; value: number }
  | { type: 3; value: number }
  | { type: 4; value: number }
  | { type: 5; value: number }
  | { type: 6; value: boolean }
  | { type: 7; value: string };

// libvirt encodes booleans as an int; accept any non-zero like the C side does.
const intBool: Codec<boolean> = { encode: (w, v) => w.int(v ? 1 : 0), decode: (r) => r.int() !== 0 };

const typedParamValue = union<WireValue>({
  1: int,
  2: uint,
  3: hyper,
  4: uhyper,
  5: double,
  6: intBool,
  7: nonnullString,
});

/** One virTypedParameter. `type` keeps the wire type so a value can be sent back unchanged. */
export type TypedParam = { field: string } & WireValue;

export const typedParam: Codec<TypedParam> = {
  encode: (w, v) => {
    nonnullString.encode(w, v.field);
    typedParamValue.encode(w, v);
  },
  decode: (r) => {
    const field = nonnullString.decode(r);
    const v = typedParamValue.decode(r);
    return { field, type: v.type, value: v.value } as TypedParam;
  },
};

export function typedParams(max: number): Codec<TypedParam[]> {
  return array(typedParam, max, 12);
}

export type ParamValue = number | boolean | string;

/** Flattens typed parameters into a record (later duplicates win, as libvirt's getters do). */
export function paramsToRecord(params: readonly TypedParam[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of params) out[p.field] = p.value;
  return out;
}

/** Typed-parameter constructors for arguments (migration, job stats requests). */
export const param = {
  int: (field: string, value: number): TypedParam => ({ field, type: 1, value }),
  uint: (field: string, value: number): TypedParam => ({ field, type: 2, value }),
  llong: (field: string, value: number): TypedParam => ({ field, type: 3, value }),
  ullong: (field: string, value: number): TypedParam => ({ field, type: 4, value }),
  double: (field: string, value: number): TypedParam => ({ field, type: 5, value }),
  boolean: (field: string, value: boolean): TypedParam => ({ field, type: 6, value }),
  string: (field: string, value: string): TypedParam => ({ field, type: 7, value }),
};
