/**
 * `hangar pools import-ini FILE`: the seed's `.dynvmservice.ini` (seed 004, "샘플 구성 파일") as
 * Hangar pools. `[common]` gives the expiry (`vm.expiry.minutes`, the pools' default and maximum)
 * and the address wait (`vm.network.timeout.secs`); each `[xenhostN]` section is mapped to the
 * Hangar host whose address (or name) is its `host.name`, its `host.storage.name` is the storage
 * pool, and each `<os>.template=` line is that OS's base image volume on that host. Credentials
 * (`host.user`, `host.password`) are never imported: Hangar reaches hosts through its own SSH
 * settings. `[couchbase]` has no meaning here (the history is in Hangar's own database).
 */

export interface IniHostSection {
  section: string;
  address: string | null;
  storage: string | null;
  /** OS name → template (volume) name, in file order. */
  templates: [string, string][];
}

export interface ParsedIni {
  expiryMinutes: number | null;
  networkTimeoutSecs: number | null;
  hosts: IniHostSection[];
  /** Lines skipped, with why (English: this is a command's report). */
  warnings: string[];
}

const OS_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** Parses the INI text: `[section]`, `key=value` (first `=`), `;`/`#` comments; values keep inner spaces. */
export function parseDynvmIni(text: string): ParsedIni {
  const out: ParsedIni = { expiryMinutes: null, networkTimeoutSecs: null, hosts: [], warnings: [] };
  let section: string | null = null;
  let host: IniHostSection | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim().toLowerCase();
      host = null;
      if (/^xenhost\d+$/.test(section) || section.startsWith('host')) {
        host = { section, address: null, storage: null, templates: [] };
        out.hosts.push(host);
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      out.warnings.push(`line ${i + 1}: not key=value, skipped: ${line.slice(0, 80)}`);
      continue;
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (section === 'common') {
      const n = Number(value);
      if (key === 'vm.expiry.minutes') {
        if (Number.isInteger(n) && n > 0) out.expiryMinutes = n;
        else out.warnings.push(`line ${i + 1}: vm.expiry.minutes is not a positive whole number`);
      } else if (key === 'vm.network.timeout.secs') {
        if (Number.isInteger(n) && n > 0) out.networkTimeoutSecs = n;
        else out.warnings.push(`line ${i + 1}: vm.network.timeout.secs is not a positive whole number`);
      }
      continue;
    }
    if (!host) continue; // [couchbase] and anything else: not Hangar's concern.
    if (key === 'host.name') host.address = value || null;
    else if (key === 'host.storage.name') host.storage = value || null;
    else if (key === 'host.user' || key === 'host.password') continue;
    else if (key.endsWith('.template')) {
      const os = key.slice(0, -'.template'.length);
      if (!OS_RE.test(os)) out.warnings.push(`line ${i + 1}: ${os} is not a pool name Hangar accepts (a-z, 0-9, . _ -), skipped`);
      else if (!value) out.warnings.push(`line ${i + 1}: ${os}.template is empty, skipped`);
      else host.templates.push([os, value]);
    }
  }
  return out;
}

export interface ImportHost {
  id: string;
  name: string;
  address: string;
}

export interface PoolPlan {
  os: string;
  baseImages: { hostId: string; pool: string; volume: string }[];
}

export interface ImportPlan {
  pools: PoolPlan[];
  expiryMinutes: number | null;
  networkTimeoutSecs: number | null;
  /** Sections not imported and why. */
  skipped: { section: string; reason: string }[];
  warnings: string[];
}

/** Maps the sections to Hangar hosts (by address, then by name) and groups the templates by OS. */
export function planIniImport(ini: ParsedIni, hosts: readonly ImportHost[]): ImportPlan {
  const pools = new Map<string, PoolPlan>();
  const skipped: ImportPlan['skipped'] = [];
  const used = new Set<string>();
  for (const s of ini.hosts) {
    if (!s.address) {
      skipped.push({ section: s.section, reason: 'no host.name' });
      continue;
    }
    const h = hosts.find((x) => x.address === s.address) ?? hosts.find((x) => x.name === s.address);
    if (!h) {
      skipped.push({ section: s.section, reason: `no Hangar host at ${s.address}: add it first` });
      continue;
    }
    if (used.has(h.id)) {
      skipped.push({ section: s.section, reason: `${h.name} is already mapped by an earlier section` });
      continue;
    }
    if (!s.storage) {
      skipped.push({ section: s.section, reason: 'no host.storage.name' });
      continue;
    }
    if (!s.templates.length) {
      skipped.push({ section: s.section, reason: 'no <os>.template lines' });
      continue;
    }
    used.add(h.id);
    for (const [os, volume] of s.templates) {
      const p = pools.get(os) ?? { os, baseImages: [] };
      p.baseImages.push({ hostId: h.id, pool: s.storage, volume });
      pools.set(os, p);
    }
  }
  return { pools: [...pools.values()], expiryMinutes: ini.expiryMinutes, networkTimeoutSecs: ini.networkTimeoutSecs, skipped, warnings: ini.warnings };
}
