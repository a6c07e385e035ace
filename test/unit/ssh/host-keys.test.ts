import { describe, expect, it } from 'vitest';
import { hostKeyRef, verifyHostKey, type HostKeyRef, type HostKeyStore, type PinnedKey } from '../../../engine/ssh/host-keys';
import { parseKnownHosts } from '../../../engine/ssh/known-hosts';
import { hasSshKeygen, makeKeys } from './keygen';
import { refusal } from '../../helpers/refusal';

class MemoryStore implements HostKeyStore {
  readonly keys = new Map<string, PinnedKey>();
  async get(ref: HostKeyRef) {
    return this.keys.get(ref.endpoint);
  }
  async pin(ref: HostKeyRef, key: PinnedKey) {
    this.keys.set(ref.endpoint, key);
  }
}


describe.skipIf(!hasSshKeygen())('verifyHostKey (skipped without ssh-keygen)', () => {
  const [a, b] = makeKeys(2);
  if (!a || !b) throw new Error('keygen failed');
  const ref = hostKeyRef('kvm1.lab', 2222, 'h1');

  it('refuses an unknown key with the details the confirm step needs, and never pins silently', async () => {
    const store = new MemoryStore();
    const err = await refusal(verifyHostKey(ref, a, { store, knownHosts: [], acceptFingerprint: undefined }));
    expect(err.code).toBe('HOST_KEY_UNKNOWN');
    expect(err.details).toMatchObject({ host: 'kvm1.lab', port: 2222, keyType: 'ssh-ed25519', fingerprint: a.fingerprint, publicKey: a.publicKey });
    expect(err.message).toContain(a.fingerprint);
    // confirming another fingerprint does not accept this key
    const again = await refusal(verifyHostKey(ref, a, { store, knownHosts: [], acceptFingerprint: b.fingerprint }));
    expect(again.code).toBe('HOST_KEY_UNKNOWN');
    expect(store.keys.size).toBe(0);
  });

  it('pins on confirmation, then accepts silently and refuses a different key naming both', async () => {
    const store = new MemoryStore();
    await verifyHostKey(ref, a, { store, knownHosts: [], acceptFingerprint: a.fingerprint });
    expect(store.keys.get('[kvm1.lab]:2222')?.fingerprint).toBe(a.fingerprint);
    await verifyHostKey(ref, a, { store, knownHosts: [], acceptFingerprint: undefined });
    const err = await refusal(verifyHostKey(ref, b, { store, knownHosts: [], acceptFingerprint: b.fingerprint }));
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toContain(a.fingerprint);
    expect(err.message).toContain(b.fingerprint);
    expect(err.details).toMatchObject({ previousFingerprint: a.fingerprint, fingerprint: b.fingerprint });
  });

  it('trusts known_hosts, refuses a mismatch with it, and refuses @revoked even when pinned', async () => {
    const store = new MemoryStore();
    const knownHosts = parseKnownHosts(`[kvm1.lab]:2222 ${a.line}\n`, '/k');
    await verifyHostKey(ref, a, { store, knownHosts, acceptFingerprint: undefined });
    const err = await refusal(verifyHostKey(ref, b, { store, knownHosts, acceptFingerprint: b.fingerprint }));
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toContain('/k:1');
    const revoked = parseKnownHosts(`@revoked * ${a.line}\n`);
    await store.pin(ref, { ...a, pinnedAt: 'x' });
    const r = await refusal(verifyHostKey(ref, a, { store, knownHosts: revoked, acceptFingerprint: a.fingerprint }));
    expect(r.code).toBe('HOST_KEY_CHANGED');
    expect(r.details).toMatchObject({ revoked: true });
  });
});
