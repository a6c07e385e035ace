import crypto from 'node:crypto';

/**
 * SHA-512 crypt (`$6$`), the algorithm Ulrich Drepper specified and glibc's crypt(3) implements:
 * what /etc/shadow, cloud-init's `passwd` and `openssl passwd -6` use. Written here over
 * node:crypto's SHA-512 so a password never has to travel in clear to a host to be hashed.
 */
const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_MAX = 16;

const sha512 = (...parts: Buffer[]): Buffer => {
  const h = crypto.createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `bytes` repeated until `length` bytes (the spec's P and S sequences). */
function stretch(bytes: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += bytes.length) bytes.copy(out, i, 0, Math.min(bytes.length, length - i));
  return out;
}

/** The spec's final permutation of the 64 digest bytes into 86 characters of crypt's base64. */
const ORDER: ReadonlyArray<readonly [number, number, number]> = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

function encode(d: Buffer): string {
  let out = '';
  const put = (w: number, n: number) => {
    for (let i = 0; i < n; i++, w >>= 6) out += B64[w & 0x3f];
  };
  for (const [a, b, c] of ORDER) put((d[a]! << 16) | (d[b]! << 8) | d[c]!, 4);
  put(d[63]!, 2);
  return out;
}

/** A fresh salt: 16 characters of crypt's alphabet (96 bits). */
function randomSalt(): string {
  return [...crypto.randomBytes(SALT_MAX)].map((b) => B64[b & 0x3f]).join('');
}

/**
 * `$6$[rounds=N$]salt$hash`. The salt is cut at 16 characters (and at a `$`), the rounds clamped
 * to the spec's range; both as glibc does, so the published test vectors hold.
 */
export function sha512Crypt(password: string, salt: string = randomSalt(), rounds?: number): string {
  const key = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.split('$')[0]!.slice(0, SALT_MAX), 'utf8');
  const r = rounds === undefined ? ROUNDS_DEFAULT : Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Math.trunc(rounds)));

  const b = sha512(key, s, key);
  const a = crypto.createHash('sha512').update(key).update(s).update(stretch(b, key.length));
  for (let n = key.length; n > 0; n >>= 1) a.update(n & 1 ? b : key);
  let digest = a.digest();

  const p = stretch(sha512(...Array<Buffer>(key.length).fill(key)), key.length);
  const sSeq = stretch(sha512(...Array<Buffer>(16 + digest[0]!).fill(s)), s.length);

  for (let i = 0; i < r; i++) {
    const c = crypto.createHash('sha512');
    c.update(i & 1 ? p : digest);
    if (i % 3) c.update(sSeq);
    if (i % 7) c.update(p);
    c.update(i & 1 ? digest : p);
    digest = c.digest();
  }
  return `$6$${rounds === undefined ? '' : `rounds=${r}$`}${s.toString('utf8')}$${encode(digest)}`;
}
