/**
 * The seed's answers, byte for byte in the shapes its Flask service printed (Python's
 * `json.dumps`), so scripts written against it keep working: `cut -f2 -d':'` on the detailed
 * answer, `=~` on an address, a JSON array of addresses by default.
 */

/** `json.dumps(list)`: one line, `", "` between items. */
export function pyList(items: string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;
}

/** `json.dumps(value, indent=2, sort_keys=True)`: Python puts `", "`-free lines and `": "` after keys, like JSON.stringify with sorted keys. */
export function pyIndented(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export interface LeasedAddress {
  name: string;
  ip: string;
}

/**
 * The addresses of a getservers answer. Default: `["10.66.1.5", "10.66.1.6"]`. Detailed: one line
 * per VM, name then address, in the order of the names (`<user>1`, `<user>2`, … not sorted as
 * text, so `<user>10` comes last):
 * ```
 * {
 *   "build-7-1": "10.66.1.5",
 *   "build-7-2": "10.66.1.6"
 * }
 * ```
 * The seed's pipeline `egrep <user> | cut -f2 -d':' | xargs | sed 's/,//g'` leaves the addresses.
 */
export function formatGetServers(addrs: LeasedAddress[], format: 'servermanager' | 'detailed'): string {
  if (format === 'servermanager') return pyList(addrs.map((a) => a.ip));
  if (addrs.length === 0) return '{}';
  return `{\n${addrs.map((a) => `  ${JSON.stringify(a.name)}: ${JSON.stringify(a.ip)}`).join(',\n')}\n}`;
}

/** The releaseservers answer: the names deleted, `json.dumps(list, indent=2, sort_keys=True)`. */
export function formatReleased(names: string[]): string {
  return pyIndented(names);
}

/** One VM of /showall as the seed listed it (Xen's record fields, as strings). */
export interface ShowallVm {
  memory_static_max: string;
  name: string;
  name_description: string;
  networkinfo: string;
  power_state: string;
  vcpus: string;
}

/** /showall: `{"1": [...], "2": [...]}` keyed by host number, indented and sorted like the seed. */
export function formatShowall(byHost: Map<number, ShowallVm[]>): string {
  const out: Record<string, ShowallVm[]> = {};
  for (const [n, vms] of [...byHost.entries()].sort((a, b) => a[0] - b[0])) out[String(n)] = [...vms].sort((a, b) => a.name.localeCompare(b.name));
  return pyIndented(out);
}

/** An error answer: one line starting `Error:`; with the request's name when there is one, so a
 * script's `egrep <name>` finds the line and its `cut -f2 -d':'` yields a word that is no address. */
export function seedError(message: string, name?: string): string {
  const clean = message.replace(/[\r\n]+/g, ' ');
  return name ? `Error: ${name}: ${clean}\n` : `Error: ${clean}\n`;
}
