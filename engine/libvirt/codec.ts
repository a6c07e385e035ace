/**
 * Composable XDR codecs: one value of type T ⇄ bytes. Protocol structs are declared with these
 * (see protocol/*.ts) so a struct's TypeScript type is inferred from its wire layout and the two
 * can never drift apart.
 */
import { XdrReader, XdrWriter, xdrError } from './xdr';

export interface Codec<T> {
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

export const int: Codec<number> = { encode: (w, v) => w.int(v), decode: (r) => r.int() };
export const uint: Codec<number> = { encode: (w, v) => w.uint(v), decode: (r) => r.uint() };
export const bool: Codec<boolean> = { encode: (w, v) => w.bool(v), decode: (r) => r.bool() };
export const double: Codec<number> = { encode: (w, v) => w.double(v), decode: (r) => r.double() };

/**
 * 64-bit integers as JS numbers. Sizes, memory and counters from libvirt fit in 2^53 in practice;
 * beyond that the low bits are rounded, which is harmless for the byte and nanosecond counters that
 * get that large (rates are computed over deltas). Use hyperBig/uhyperBig where exactness matters.
 */
export const hyper: Codec<number> = {
  encode: (w, v) => {
    if (!Number.isInteger(v)) throw xdrError(`hyper must be an integer: ${v}`);
    w.hyperBig(BigInt(v));
  },
  decode: (r) => Number(r.hyperBig()),
};
export const uhyper: Codec<number> = {
  encode: (w, v) => {
    if (!Number.isInteger(v) || v < 0) throw xdrError(`unsigned hyper must be a non-negative integer: ${v}`);
    w.uhyperBig(BigInt(v));
  },
  decode: (r) => Number(r.uhyperBig()),
};
export const hyperBig: Codec<bigint> = { encode: (w, v) => w.hyperBig(v), decode: (r) => r.hyperBig() };
export const uhyperBig: Codec<bigint> = { encode: (w, v) => w.uhyperBig(v), decode: (r) => r.uhyperBig() };

/** rpcgen encodes C `char`/`short` (signed or not) as a full 4-byte XDR int. */
export const char = int;

export const voidCodec: Codec<void> = { encode: () => undefined, decode: () => undefined };

export function string(max: number): Codec<string> {
  return { encode: (w, v) => w.string(v, max), decode: (r) => r.string(max) };
}

export function opaque(max: number): Codec<Uint8Array> {
  return { encode: (w, v) => w.varOpaque(v, max), decode: (r) => r.varOpaque(max) };
}

export function fixedOpaque(n: number): Codec<Uint8Array> {
  return { encode: (w, v) => w.fixedOpaque(v, n), decode: (r) => r.fixedOpaque(n) };
}

/** XDR optional-data (`type *name`): a bool followed by the value when present. */
export function optional<T>(inner: Codec<T>): Codec<T | null> {
  return {
    encode: (w, v) => {
      w.bool(v !== null);
      if (v !== null) inner.encode(w, v);
    },
    decode: (r) => (r.bool() ? inner.decode(r) : null),
  };
}

/**
 * Variable-length array `type name<max>`. minSize is the smallest encoding of one element in
 * bytes (4 for anything XDR), which lets a lying count be refused before looping over it.
 */
export function array<T>(inner: Codec<T>, max: number, minSize = 4): Codec<T[]> {
  return {
    encode: (w, v) => {
      if (v.length > max) throw xdrError(`array of ${v.length} exceeds maximum ${max}`);
      w.uint(v.length);
      for (const item of v) inner.encode(w, item);
    },
    decode: (r) => {
      const n = r.length(max, 'array', minSize);
      const out: T[] = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = inner.decode(r);
      return out;
    },
  };
}

/** Fixed-length array `type name[n]`. */
export function fixedArray<T>(inner: Codec<T>, n: number): Codec<T[]> {
  return {
    encode: (w, v) => {
      if (v.length !== n) throw xdrError(`fixed array must have ${n} elements, got ${v.length}`);
      for (const item of v) inner.encode(w, item);
    },
    decode: (r) => {
      if (n * 4 > r.remaining) throw xdrError('fixed array exceeds message');
      const out: T[] = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = inner.decode(r);
      return out;
    },
  };
}

type Fields = Record<string, Codec<unknown>>;
export type StructOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** A struct: fields are encoded in the declaration order of the object literal. */
export function struct<F extends Fields>(fields: F): Codec<StructOf<F>> {
  const keys = Object.keys(fields);
  const codecs = keys.map((k) => fields[k]!);
  const n = keys.length;
  return {
    encode: (w, v) => {
      for (let i = 0; i < n; i++) codecs[i]!.encode(w, (v as Record<string, unknown>)[keys[i]!]);
    },
    decode: (r) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[keys[i]!] = codecs[i]!.decode(r);
      return out as StructOf<F>;
    },
  };
}

/**
 * A discriminated union on an int. `arms` maps each discriminant to the arm's codec; an unknown
 * discriminant is malformed input (libvirt unions have no default arm).
 */
export function union<T extends { type: number; value: unknown }>(arms: {
  [D in T['type']]: Codec<Extract<T, { type: D }>['value']>;
}): Codec<T> {
  const table = arms as unknown as Record<number, Codec<unknown> | undefined>;
  return {
    encode: (w, v) => {
      const arm = table[v.type];
      if (!arm) throw xdrError(`union discriminant ${v.type} has no arm`);
      w.int(v.type);
      arm.encode(w, v.value);
    },
    decode: (r) => {
      const type = r.int();
      const arm = table[type];
      if (!arm) throw xdrError(`union discriminant ${type} has no arm`);
      return { type, value: arm.decode(r) } as T;
    },
  };
}

/** Maps a wire value to a friendlier one and back (e.g. a 16-byte UUID ⇄ its text form). */
export function mapped<W, T>(inner: Codec<W>, to: (w: W) => T, from: (t: T) => W): Codec<T> {
  return { encode: (w, v) => inner.encode(w, from(v)), decode: (r) => to(inner.decode(r)) };
}

/** Encodes one value into a fresh buffer (tests, fixtures). */
export function encodeToBuffer<T>(codec: Codec<T>, v: T): Buffer {
  const w = new XdrWriter();
  codec.encode(w, v);
  return Buffer.from(w.finish());
}

/** Decodes a whole buffer, refusing trailing bytes. */
export function decodeBuffer<T>(codec: Codec<T>, buf: Uint8Array, what = 'value'): T {
  const r = new XdrReader(buf);
  const v = codec.decode(r);
  r.expectEnd(what);
  return v;
}
