/**
 * The seed's query strings (seed 004: `/getservers/<username>?os=&count=&cpus=&mem=&expiresin=
 * &format=&xhostref=`, `/releaseservers/<username>?os=&count=`), checked before anything runs.
 * A refusal is a sentence the HTTP layer sends as `Error: …` with status 400: the seed's scripts
 * take any answer that is not an address as a failure.
 */

/** The contract's bound on one request (AcquireLeasesParams.count). */
export const MAX_COUNT = 50;
/** A VM name is a DNS label. The username leaves room for the `1..N` suffix (contract: LeaseUsername, 60). */
export const MAX_NAME = 63;
export const MAX_USERNAME = 60;
export const MAX_CPUS = 64;
/** Memory a request may ask for, in MiB (1 TiB). */
export const MAX_MEMORY_MIB = 1024 * 1024;

export type SeedFormat = 'servermanager' | 'detailed';

export interface GetServersRequest {
  username: string;
  os: string;
  count: number;
  /** The VM names the request makes: `<username>` for one, `<username>1..N` for several. */
  names: string[];
  cpus: number | null;
  memoryMib: number | null;
  expiresMinutes: number | null;
  format: SeedFormat;
  /** The host asked for: its number in /showall (1-based), or its name. */
  hostRef: string | null;
}

export interface ReleaseServersRequest {
  username: string;
  os: string | null;
  names: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A lease name: a DNS label (the contract's LeaseUsername). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** An OS or host name as it may appear in a query. */
const WORD_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const INT_RE = /^[0-9]+$/;

/** A lease name (also the guest's host name): letters, digits, dot, dash, underscore; no path or shell syntax. */
export function checkName(name: string, what = 'name', max = MAX_USERNAME): string | null {
  if (name.length === 0) return `${what} is empty`;
  if (name.length > max) return `${what} is longer than ${max} characters`;
  if (name.includes('/') || name.includes('..') || name.includes(';')) return `${what} may not contain '/', '..' or ';'`;
  if (!NAME_RE.test(name)) return `${what} may hold only letters, digits and '-', starting with a letter or digit`;
  return null;
}

/** An OS (pool) name as it may appear in a path or query. Whether a pool has it is checked later. */
export function checkOsName(os: string): string | null {
  if (os.length === 0) return 'os is missing';
  if (os.length > 32 || !WORD_RE.test(os)) return `unknown OS '${os.slice(0, MAX_NAME).replace(/[^A-Za-z0-9._-]/g, '?')}'`;
  return null;
}

/** The names the seed gives a request: `<username>` alone, or `<username>1..N`. */
export function seedNames(username: string, count: number): string[] {
  return count === 1 ? [username] : Array.from({ length: count }, (_, i) => `${username}${i + 1}`);
}

function intParam(raw: string | null, what: string, min: number, max: number): Parsed<number | null> {
  if (raw === null || raw === '' || raw === 'default') return { ok: true, value: null };
  if (!INT_RE.test(raw) || raw.length > 15) return { ok: false, error: `${what} must be a whole number, got '${raw.slice(0, 20)}'` };
  const n = Number(raw);
  if (n < min) return { ok: false, error: `${what} must be at least ${min}` };
  if (n > max) return { ok: false, error: `${what} may be at most ${max}` };
  return { ok: true, value: n };
}

/**
 * `mem`: the seed handed it to Xen as bytes ("8589934592" for 8 GiB). A bare number of at least
 * 1 MiB is taken as bytes, a smaller one as MiB; `512M`, `4G`, `4GiB` say it outright.
 */
export function parseMemoryMib(raw: string | null): Parsed<number | null> {
  if (raw === null || raw === '' || raw === 'default') return { ok: true, value: null };
  const m = /^([0-9]{1,15})\s*(|b|k|kib|m|mb|mib|g|gb|gib)$/i.exec(raw);
  if (!m) return { ok: false, error: `mem must be a number (bytes, or MiB below 1048576, or with M/G), got '${raw.slice(0, 20)}'` };
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  let mib: number;
  if (unit === '') mib = n >= 1024 * 1024 ? n / (1024 * 1024) : n;
  else if (unit === 'b') mib = n / (1024 * 1024);
  else if (unit.startsWith('k')) mib = n / 1024;
  else if (unit.startsWith('m')) mib = n;
  else mib = n * 1024;
  mib = Math.floor(mib);
  if (mib < 64) return { ok: false, error: 'mem must be at least 64 MiB' };
  if (mib > MAX_MEMORY_MIB) return { ok: false, error: `mem may be at most ${MAX_MEMORY_MIB} MiB` };
  return { ok: true, value: mib };
}

function firstError(...results: Parsed<unknown>[]): string | null {
  for (const r of results) if (!r.ok) return r.error;
  return null;
}

export function parseGetServers(username: string, q: URLSearchParams): Parsed<GetServersRequest> {
  const nameErr = checkName(username, 'username');
  if (nameErr) return { ok: false, error: nameErr };
  const os = q.get('os');
  if (os === null || os === '') return { ok: false, error: 'os is missing (?os=<name>)' };
  const osErr = checkOsName(os);
  if (osErr) return { ok: false, error: osErr };
  const count = intParam(q.get('count'), 'count', 1, MAX_COUNT);
  const cpus = intParam(q.get('cpus'), 'cpus', 1, MAX_CPUS);
  const mem = parseMemoryMib(q.get('mem'));
  const rawExp = q.get('expiresin');
  // "0" and negatives are refused: a lease that expires at once is a mistake, not a request.
  const exp = rawExp !== null && /^-/.test(rawExp) ? ({ ok: false, error: 'expiresin must be more than 0 minutes' } as const) : intParam(rawExp, 'expiresin', 1, 525_600);
  const err = firstError(count, cpus, mem, exp);
  if (err) return { ok: false, error: err };
  const format = q.get('format') ?? 'servermanager';
  if (format !== 'servermanager' && format !== 'detailed') return { ok: false, error: `format must be 'detailed' or left out, got '${format.slice(0, 20)}'` };
  const xhostref = q.get('xhostref');
  if (xhostref !== null && (xhostref === '' || xhostref.length > MAX_NAME || !WORD_RE.test(xhostref))) return { ok: false, error: 'xhostref must be a host number or name' };
  const n = (count as { value: number | null }).value ?? 1;
  const names = seedNames(username, n);
  const long = names.find((x) => x.length > MAX_NAME);
  if (long) return { ok: false, error: `name '${long}' is longer than ${MAX_NAME} characters` };
  return {
    ok: true,
    value: {
      username,
      os,
      count: n,
      names,
      cpus: (cpus as { value: number | null }).value,
      memoryMib: (mem as { value: number | null }).value,
      expiresMinutes: (exp as { value: number | null }).value,
      format: format === 'detailed' ? 'detailed' : 'servermanager',
      hostRef: xhostref,
    },
  };
}

export function parseReleaseServers(username: string, q: URLSearchParams): Parsed<ReleaseServersRequest> {
  const nameErr = checkName(username, 'username');
  if (nameErr) return { ok: false, error: nameErr };
  const os = q.get('os');
  if (os !== null && os !== '') {
    const osErr = checkOsName(os);
    if (osErr) return { ok: false, error: osErr };
  }
  const count = intParam(q.get('count'), 'count', 1, MAX_COUNT);
  if (!count.ok) return count;
  const names = seedNames(username, count.value ?? 1);
  return { ok: true, value: { username, os: os || null, names } };
}
