/**
 * Redaction of what a bundle carries. On by default: a bundle is sent to support, so secrets must
 * not ride along. Each rule finds the value and keeps the key, so a reader still sees that a
 * password was set and where. Every byte the bundle writer stores passes through here.
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

/**
 * Words that make a name secret (`vnc_password`, `auth_token`, `bindpw`, `ldap_default_authtok`…),
 * with the rest of the name after them. Rules that match anywhere start at the word itself: the
 * value is what they mask, and a leading name part only made the regex backtrack.
 */
const KEYWORD = String.raw`(?:passw(?:or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|auth[_-]?key|authtok|(?:bind|root)pw|credential|cookie)[A-Za-z0-9_.-]{0,64}`;
/** A whole secret name, for rules anchored at a line's start (bounded: no quadratic backtracking). */
const NAME = String.raw`[A-Za-z0-9_.-]{0,64}${KEYWORD}`;

/** PEM labels whose body is public; a block is kept only when it opens and closes with one of them. */
const PUBLIC_PEM = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CRL', 'CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST', 'PUBLIC KEY', 'RSA PUBLIC KEY', 'SSH2 PUBLIC KEY', 'PGP PUBLIC KEY BLOCK', 'PGP SIGNATURE']);

interface Rule {
  /** Global, with indices (`d`); the secret is the named group `v`. */
  re: RegExp;
  /** A match that turns out not to be a secret. */
  keep?: (groups: Record<string, string | undefined>) => boolean;
  /** Mask only the value's non-blank core (a PEM body keeps its line breaks around the mask). */
  trim?: boolean;
}

/** Rules that may span lines: run over the whole text (each starts with a rare literal). */
const WHOLE_RULES: readonly Rule[] = [
  // PEM blocks: private keys of any kind, and any block whose BEGIN and END labels differ; a block
  // cut short (no END) is masked as far as a key could reach.
  {
    re: /-----BEGIN (?<b>[A-Z0-9 ]{0,40})-----(?<v>(?:(?!-----END )[\s\S]){0,100000})(?:-----END (?<e>[A-Z0-9 ]{0,40})-----)?/dg,
    keep: (g) => g['b'] === g['e'] && PUBLIC_PEM.has(g['b'] ?? ''),
    trim: true,
  },
  // <secret>, <password>, <passwd>, <token>, <key> elements.
  { re: /<(?<t>password|passwd|secret|token|key)>(?<v>[^<]*)<\/\k<t>>/dgi },
];

/** Rules within one line: run only over lines holding one of these words (most log lines hold none). */
const TRIGGER = /passw|passphrase|secret|token|authtok|key|pw|credential|cookie|bearer|authori[sz]ation|:\/\//gi;

const LINE_RULES: readonly Rule[] = [
  // Quoted values, with or without spaces: <graphics passwd='…'>, passwd = '…', token: "…"; also
  // quotes escaped as XML text (a domain's <description> holds `passwd = &apos;…&apos;`) or inside
  // a JSON string (that description in Hangar's inventory.json: `vnc_password = \"…\"`).
  { re: new RegExp(String.raw`${KEYWORD}[ \t]*[=:][ \t]*(?<q>\\"|\\'|['"]|&apos;|&quot;|&#39;|&#34;)(?<v>(?:(?!\k<q>).)*)\k<q>`, 'dgi') },
  // JSON: "password": "…", "sshPassphrase":"…".
  { re: new RegExp(String.raw`${KEYWORD}"[ \t]*:[ \t]*"(?<v>(?:[^"\\]|\\.)*)"`, 'dgi') },
  // Config lines: `vnc_password = x y`, `#spice_password=x`, `auth_token: x` (the rest of the line).
  { re: new RegExp(String.raw`^[ \t]*[#;]?[ \t]*${NAME}[ \t]*[=:][ \t]*(?<v>\S.*)$`, 'dgi') },
  // Space-separated config lines: LDAP `bindpw x`, `rootpw x`, .netrc-style `password x`.
  { re: /^[ \t]*(?:bindpw|rootpw|bindpassword|passwd|password|secret)[ \t]+(?<v>[^\s=:].*)$/dgi },
  // Anywhere in a line (logs, stderr, command lines): `… password=x …`, `token:abc`, `?secret=x&`.
  { re: new RegExp(String.raw`${KEYWORD}[ \t]*[=:][ \t]?(?<v>[^\s'",;&<>]+)`, 'dgi') },
  // Ceph keyrings and configs: `key = AQB…`, `client_key: …`; rbd URIs in QEMU command lines: `:key=AQB…`.
  { re: /^[ \t]*(?:[A-Za-z0-9]+[_.-])?key[ \t]*[=:][ \t]*(?<v>\S.*)$/dgi },
  { re: /(?<![A-Za-z0-9_-])key=(?<v>[^\s:,;'"&]+)/dg },
  // URLs with credentials: https://user:pass@host (the user stays, the password goes).
  { re: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/?#@:'"<>]{0,256}:(?<v>[^\s/?#@'"<>]+)@/dgi },
  // HTTP credentials: Authorization / Proxy-Authorization headers, bare bearer tokens, cookies.
  { re: /\b(?:Proxy-)?Authori[sz]ation[ \t]*[:=][ \t]*(?:(?:Bearer|Basic|Digest|Negotiate|NTLM|Token)[ \t]+)?(?<v>[^\s"'][^\r\n"']*)/dgi },
  { re: /\bBearer[ \t]+(?<v>[A-Za-z0-9\-._~+/]+=*)/dgi },
  { re: /\b(?:Set-)?Cookie[ \t]*:[ \t]*(?<v>[^\s"'][^\r\n"']*)/dgi },
  // QEMU command lines: -object secret,…,data=…  and its JSON form.
  { re: /-object\s+\{?"?qom-type"?\s*:?\s*"?secret.*?(?:data|"data")["=:]\s*"?(?<v>[^",\s}]+)/dg },
  { re: /\bsecret,id=[^,\s]+,data=(?<v>[^,\s]+)/dg },
];

function collect(rule: Rule, text: string, offset: number, spans: Array<[number, number]>): void {
  // An exec loop: matchAll's iterator costs more than most of these matches on a short line.
  const re = rule.re;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
    const at = m.indices?.groups?.['v'];
    if (!at || (rule.keep && rule.keep(m.groups ?? {}))) continue;
    let [s, e] = at;
    if (rule.trim) {
      while (s < e && /\s/.test(text[s]!)) s++;
      while (e > s && /\s/.test(text[e - 1]!)) e--;
    }
    if (e > s) spans.push([s + offset, e + offset]);
  }
}

/** The spans [start, end) of secret values in a text, merged and in order. */
export function secretSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const rule of WHOLE_RULES) collect(rule, text, 0, spans);
  let lineEnd = -1;
  for (const hit of text.matchAll(TRIGGER)) {
    if (hit.index < lineEnd) continue; // that line was done
    const start = text.lastIndexOf('\n', hit.index) + 1;
    const nl = text.indexOf('\n', hit.index);
    lineEnd = nl === -1 ? text.length : nl;
    const line = text.slice(start, lineEnd);
    for (const rule of LINE_RULES) collect(rule, line, start, spans);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const sp of spans) {
    const last = merged.at(-1);
    if (last && sp[0] <= last[1]) last[1] = Math.max(last[1], sp[1]);
    else merged.push([sp[0], sp[1]]);
  }
  return merged;
}

/** Masks secrets in a text: each value becomes MASK, its key stays. */
export function redactText(text: string): Redaction {
  const spans = secretSpans(text);
  if (spans.length === 0) return { text, count: 0 };
  let out = '';
  let at = 0;
  for (const [s, e] of spans) {
    out += text.slice(at, s) + MASK;
    at = e;
  }
  return { text: out + text.slice(at), count: spans.length };
}

/** True when a buffer looks like text (no NUL in its first 8 KiB). */
export function isText(b: Buffer): boolean {
  return !b.subarray(0, 8192).includes(0);
}

/** Runs of printable ASCII (with tabs and line breaks) long enough to hold a key and a value. */
const TEXT_RUN = /[\t\n\r\x20-\x7e]{6,}/g;

/**
 * Binary content (a NUL early on): every run of text inside it is scanned, and secret bytes are
 * overwritten with '*' in place, so offsets and the file's length stay what they were.
 */
function redactBinary(b: Buffer): { data: Buffer; count: number } {
  const bytes = b.toString('latin1');
  let out: Buffer | null = null;
  let count = 0;
  for (const run of bytes.matchAll(TEXT_RUN)) {
    for (const [s, e] of secretSpans(run[0])) {
      out ??= Buffer.from(b);
      out.fill(0x2a, run.index + s, run.index + e);
      count++;
    }
  }
  return { data: out ?? b, count };
}

/**
 * The one redaction of bytes going into a bundle (files, command output, logs): text is masked
 * value by value; binary content has its text runs masked in place.
 */
export function redactBuffer(b: Buffer): { data: Buffer; count: number } {
  if (!isText(b)) return redactBinary(b);
  const r = redactText(b.toString('utf8'));
  return r.count === 0 ? { data: b, count: 0 } : { data: Buffer.from(r.text, 'utf8'), count: r.count };
}

/** Every string inside a value (the manifest: stderr, error texts, commands) goes through redactText. */
export function redactStrings<T>(v: T): T {
  if (typeof v === 'string') return redactText(v).text as T;
  if (Array.isArray(v)) return v.map(redactStrings) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x)])) as T;
  return v;
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
