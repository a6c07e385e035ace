/**
 * Redaction of what a bundle carries. On by default: a bundle is sent to support, so secrets must
 * not ride along. Each rule masks the value and keeps the key, so a reader still sees that a
 * password was set and where.
 */
export const MASK = '********';

/** Files sos never collects (libvirt plugin's forbidden list); Hangar never reads or writes them. */
export const FORBIDDEN_PATTERNS: readonly RegExp[] = [
  /^\/etc\/libvirt\/passwd\.db$/,
  /^\/etc\/libvirt\/krb5\.tab$/,
  /\/master-key\.aes$/,
  /^\/etc\/libvirt\/secrets(\/|$)/,
  /^\/run\/libvirt\/common\/system\.token$/,
  /^\/var\/lib\/libvirt\/secrets(\/|$)/,
  /\/private\/[^/]*$/, // /etc/pki/libvirt/private/serverkey.pem and the like
  /key\.pem$/,
  /\.key$/,
];

export function isForbidden(remotePath: string): boolean {
  return FORBIDDEN_PATTERNS.some((re) => re.test(remotePath));
}

export interface Redaction {
  text: string;
  /** How many values were masked. */
  count: number;
}

const RULES: ReadonlyArray<{ re: RegExp; replace: (m: string, ...g: string[]) => string }> = [
  // PEM private keys of any kind (RSA, EC, OPENSSH, ENCRYPTED...).
  { re: /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g, replace: (_m, kind) => `-----BEGIN ${kind}PRIVATE KEY-----\n${MASK}\n-----END ${kind}PRIVATE KEY-----` },
  // XML attributes: <graphics passwd='…'>, <auth … secret …>, <secret … value=…>, sharedsecret, key=…
  { re: /\b(passwd|password|sharedsecret|secret|token|value_secret)=(['"])([^'"]*)\2/gi, replace: (_m, k, q) => `${k}=${q}${MASK}${q}` },
  // <secret>, <password>, <passwd>, <token> elements.
  { re: /<(password|passwd|secret|token|key)>([^<]*)<\/\1>/gi, replace: (_m, k) => `<${k}>${MASK}</${k}>` },
  // Config lines: `vnc_password = "x"`, `spice_password="x"`, `tls_x509_secret_uuid`, `auth_token: x`, `PASSWORD=x`.
  {
    re: /^(\s*[#;]?\s*[A-Za-z0-9_.-]*(?:passw(?:or)?d|secret|token|api[_-]?key|private[_-]?key)[A-Za-z0-9_.-]*\s*[=:]\s*)(\S.*)$/gim,
    replace: (_m, lhs) => `${lhs}${MASK}`,
  },
  // JSON `"password": "x"` style (settings, guest info).
  { re: /("[A-Za-z0-9_]*(?:passw(?:or)?d|secret|token|passphrase)[A-Za-z0-9_]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, replace: (_m, lhs) => `${lhs}"${MASK}"` },
  // QEMU command lines in logs: -vnc …,password=…  -object secret,…,data=…
  { re: /(-object\s+\{?"?qom-type"?\s*:?\s*"?secret[^\n]*?(?:data|"data")["=:]\s*"?)([^",\s}]+)/g, replace: (_m, lhs) => `${lhs}${MASK}` },
  { re: /(\bsecret,id=[^,\s]+,data=)([^,\s]+)/g, replace: (_m, lhs) => `${lhs}${MASK}` },
];

/** Masks secrets in a text file; binary content is returned untouched by the caller. */
export function redactText(text: string): Redaction {
  let count = 0;
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.re, (...args: unknown[]) => {
      const groups = args.slice(0, -2).map((a) => (typeof a === 'string' ? a : ''));
      const replaced = rule.replace(groups[0] ?? '', ...groups.slice(1));
      if (replaced !== groups[0]) count++;
      return replaced;
    });
  }
  return { text: out, count };
}

/** True when a buffer looks like text (no NUL in its first 8 KiB). */
export function isText(b: Buffer): boolean {
  return !b.subarray(0, 8192).includes(0);
}

/** Redacts a file's bytes when it is text; binary files pass through unchanged. */
export function redactBuffer(b: Buffer): { data: Buffer; count: number } {
  if (!isText(b)) return { data: b, count: 0 };
  const r = redactText(b.toString('utf8'));
  return r.count === 0 ? { data: b, count: 0 } : { data: Buffer.from(r.text, 'utf8'), count: r.count };
}

/** Settings and other engine objects: keys that look secret lose their value. */
export function redactObject(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactObject);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = /passw|secret|token|passphrase|privatekey/i.test(k) && x != null ? MASK : redactObject(x);
    return out;
  }
  return v;
}
