import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeHostKey, sameKey, type HostPublicKey } from './fingerprint';

/**
 * Reading OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"). Hangar only reads
 * them; what the user accepts in Hangar is pinned in Hangar's own store, never written here.
 */
export interface KnownHostEntry {
  marker: 'cert-authority' | 'revoked' | undefined;
  /** The host field as written: a pattern list, or one hashed name `|1|salt|hash`. */
  hosts: string;
  key: HostPublicKey;
  file: string;
  line: number;
}

export type KnownHostsVerdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  /** The host is known under other keys: the presented one is a change, never a new host. */
  | { kind: 'mismatch'; entries: KnownHostEntry[] }
  | { kind: 'unknown' };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: OpenSSH ignores the line, so do we
    }
    const [hosts, , b64] = fields;
    if (hosts === undefined || b64 === undefined) continue;
    let key: HostPublicKey;
    try {
      key = describeHostKey(Buffer.from(b64, 'base64'));
    } catch {
      continue; // malformed key: skipped, like ssh does
    }
    entries.push({ marker, hosts, key, file, line: i + 1 });
  }
  return entries;
}

/** Does an entry's host field name `name` (already in `host` or `[host]:port` form)? */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, name);
  let matched = false;
  for (const raw of hosts.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!globMatches(pattern, name)) continue;
    if (negated) return false; // a matching negation vetoes the whole list (match_hostname)
    matched = true;
  }
  return matched;
}

function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (salt === undefined || hash === undefined) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return mac === hash;
}

function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  // Host names compare case-insensitively, as in OpenSSH (it lowercases before matching).
  return new RegExp(`^${re}$`, 'i').test(name);
}

/**
 * Decides what the files say about `key` presented by `name`. @revoked wins over everything and
 * applies whatever host it was listed for when the pattern matches; @cert-authority lines are not
 * plain host keys and are ignored (Hangar does not verify host certificates).
 */
export function checkKnownHosts(entries: readonly KnownHostEntry[], name: string, key: HostPublicKey): KnownHostsVerdict {
  const forHost = entries.filter((e) => hostFieldMatches(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && sameKey(e.key, key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => sameKey(e.key, key));
  if (match) return { kind: 'match', entry: match };
  return plain.length > 0 ? { kind: 'mismatch', entries: plain } : { kind: 'unknown' };
}

/** Key types already known for `name`, so the handshake can ask the server for one of them first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  return [
    ...new Set(entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.key.keyType)),
  ];
}

/** Reads and parses every file that exists; a missing file is simply empty, as for ssh. */
export async function loadKnownHosts(paths: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    all.push(...parseKnownHosts(text, path));
  }
  return all;
}
