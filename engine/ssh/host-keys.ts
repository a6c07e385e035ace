import { HangarError } from '../contract/errors';
import { sameKey, type HostPublicKey } from './fingerprint';
import { checkKnownHosts, knownHostName, knownKeyTypes, type KnownHostEntry } from './known-hosts';

/** Which endpoint a host key belongs to. Bastions have no Hangar host id, so `endpoint` is the key. */
export interface HostKeyRef {
  /** `host` or `[host]:port`, the known_hosts spelling of the name ssh checks (HostKeyAlias or HostName). */
  endpoint: string;
  host: string;
  port: number;
  /** The Hangar host this connection is for; undefined for a bastion hop. */
  hostId: string | undefined;
}

export interface PinnedKey extends HostPublicKey {
  /** ISO time the user accepted it. */
  pinnedAt: string;
}

/**
 * Hangar's own record of host keys the user accepted (backed by SQLite by the engine).
 * One key per endpoint; `pin` replaces whatever was there.
 */
export interface HostKeyStore {
  get(ref: HostKeyRef): Promise<PinnedKey | undefined>;
  pin(ref: HostKeyRef, key: PinnedKey): Promise<void>;
}

export interface HostKeyPolicy {
  store: HostKeyStore;
  knownHosts: readonly KnownHostEntry[];
  /** A fingerprint the user confirmed for this connect call; pinned only if the server shows exactly it. */
  acceptFingerprint: string | undefined;
  /**
   * A changed key the user reviewed: the pin (or the known_hosts entry) `previous` is replaced by
   * the key the server shows, only if that is exactly `next`. Never for a @revoked key.
   */
  replaceFingerprint?: { previous: string; next: string } | undefined;
}

export function hostKeyRef(name: string, port: number, hostId: string | undefined): HostKeyRef {
  return { endpoint: knownHostName(name, port), host: name, port, hostId };
}

/**
 * Accepts the key or throws. Order: known_hosts @revoked refuses; a Hangar pin decides when present
 * (the user's explicit choice in Hangar); otherwise known_hosts decides; an unknown key is accepted
 * only when the caller carries the user's confirmation of exactly this fingerprint.
 */
export async function verifyHostKey(ref: HostKeyRef, key: HostPublicKey, policy: HostKeyPolicy): Promise<void> {
  const fromFiles = checkKnownHosts(policy.knownHosts, ref.endpoint, key);
  if (fromFiles.kind === 'revoked') {
    throw new HangarError(
      'HOST_KEY_CHANGED',
      `The host key of ${ref.endpoint} (${key.fingerprint}) is marked @revoked in ${fromFiles.entry.file}:${fromFiles.entry.line}; connection refused.`,
      { ...details(ref, key), revoked: true },
    );
  }
  const replace = policy.replaceFingerprint;
  const reviewed = (old: HostPublicKey): boolean => replace !== undefined && replace.previous === old.fingerprint && replace.next === key.fingerprint;
  const pinned = await policy.store.get(ref);
  if (pinned) {
    if (sameKey(pinned, key)) return;
    if (reviewed(pinned)) return policy.store.pin(ref, { ...key, pinnedAt: new Date().toISOString() });
    throw changed(ref, pinned, key, 'pinned in Hangar', { source: 'hangar' });
  }
  if (fromFiles.kind === 'match') return;
  if (fromFiles.kind === 'mismatch') {
    const old = fromFiles.entries.find((e) => e.key.keyType === key.keyType) ?? fromFiles.entries[0];
    // Hangar's pin then decides from now on; the user's known_hosts file is theirs and stays as is.
    if (old && reviewed(old.key)) return policy.store.pin(ref, { ...key, pinnedAt: new Date().toISOString() });
    if (old) throw changed(ref, old.key, key, `in ${old.file}:${old.line}`, { source: 'known_hosts', file: old.file, line: old.line });
  }
  if (policy.acceptFingerprint !== undefined && policy.acceptFingerprint === key.fingerprint) {
    await policy.store.pin(ref, { ...key, pinnedAt: new Date().toISOString() });
    return;
  }
  throw new HangarError(
    'HOST_KEY_UNKNOWN',
    `The authenticity of ${ref.endpoint} cannot be established. Its ${key.keyType} key fingerprint is ${key.fingerprint}. Confirm it to connect.`,
    details(ref, key),
  );
}

/** Key types to ask the server for first, so a host offering several keys shows the one we know. */
export async function preferredKeyTypes(ref: HostKeyRef, policy: HostKeyPolicy): Promise<string[]> {
  const pinned = await policy.store.get(ref);
  const types = pinned ? [pinned.keyType] : [];
  for (const t of knownKeyTypes(policy.knownHosts, ref.endpoint)) if (!types.includes(t)) types.push(t);
  return types;
}

function changed(ref: HostKeyRef, old: HostPublicKey, now: HostPublicKey, where: string, origin: Record<string, unknown>): HangarError {
  return new HangarError(
    'HOST_KEY_CHANGED',
    `The host key of ${ref.endpoint} has changed: expected ${old.keyType} ${old.fingerprint} (${where}), ` +
      `but the server presented ${now.keyType} ${now.fingerprint}. This may be a reinstalled host or an attack; connection refused.`,
    { ...details(ref, now), previousFingerprint: old.fingerprint, previousKeyType: old.keyType, ...origin },
  );
}

function details(ref: HostKeyRef, key: HostPublicKey): Record<string, unknown> {
  return {
    host: ref.host,
    port: ref.port,
    endpoint: ref.endpoint,
    hostId: ref.hostId,
    keyType: key.keyType,
    fingerprint: key.fingerprint,
    publicKey: key.publicKey,
  };
}
