/**
 * Shared structs of remote_protocol.x: object handles (domain, network, pool, volume, snapshot),
 * strings, UUIDs and typed parameters.
 */
import {
  array,
  double,
  fixedOpaque,
  hyper,
  int,
  mapped,
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

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function uuidToString(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidFromString(s: string): Uint8Array {
  if (!UUID_RE.test(s)) throw xdrError(`not a UUID: ${JSON.stringify(s)}`);
  return Buffer.from(s.replace(/-/g, ''), 'hex');
}

/** remote_uuid, carried as its canonical lower-case text form. */
export const uuid: Codec<string> = mapped(fixedOpaque(VIR_UUID_BUFLEN), uuidToString, uuidFromString);

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
    return { field, ...typedParamValue.decode(r) } as TypedParam;
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
