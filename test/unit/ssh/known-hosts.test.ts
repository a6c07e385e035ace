import { describe, expect, it } from 'vitest';
import { checkKnownHosts, hostFieldMatches, knownHostName, knownKeyTypes, parseKnownHosts } from '../../../engine/ssh/known-hosts';
import { hasSshKeygen, hashKnownHosts, makeKeys } from './keygen';

describe('knownHostName', () => {
  it('uses the bare name on port 22 and [host]:port otherwise', () => {
    expect(knownHostName('kvm1.lab', 22)).toBe('kvm1.lab');
    expect(knownHostName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });
});

describe('hostFieldMatches', () => {
  it('matches pattern lists with wildcards and negation like OpenSSH', () => {
    expect(hostFieldMatches('kvm1,kvm2', 'kvm2')).toBe(true);
    expect(hostFieldMatches('*.lab', 'KVM1.Lab')).toBe(true);
    expect(hostFieldMatches('kvm?', 'kvm7')).toBe(true);
    expect(hostFieldMatches('kvm?', 'kvm10')).toBe(false);
    expect(hostFieldMatches('*.lab,!bad.lab', 'bad.lab')).toBe(false);
    expect(hostFieldMatches('[10.0.0.5]:2222', '[10.0.0.5]:2222')).toBe(true);
    expect(hostFieldMatches('10.0.0.5', '[10.0.0.5]:2222')).toBe(false);
    expect(hostFieldMatches('a.b', 'aXb')).toBe(false); // '.' is literal
  });
});

describe.skipIf(!hasSshKeygen())('known_hosts with real keys (skipped without ssh-keygen)', () => {
  const [k1, k2, k3] = makeKeys(3);
  const [rsa] = makeKeys(1, 'rsa');
  if (!k1 || !k2 || !k3 || !rsa) throw new Error('keygen failed');

  const text = [
    '# a comment',
    '',
    `kvm1.lab,10.0.0.1 ${k1.line} root@kvm1`,
    `[kvm2.lab]:2222 ${k2.line}`,
    `@revoked * ${k3.line}`,
    `@cert-authority *.lab ${rsa.line}`,
    `garbage line`,
    `@unknown-marker kvm1.lab ${k3.line}`,
  ].join('\n');

  it('parses entries, markers and skips junk', () => {
    const entries = parseKnownHosts(text, 'kh');
    expect(entries.map((e) => [e.marker, e.hosts, e.line])).toEqual([
      [undefined, 'kvm1.lab,10.0.0.1', 3],
      [undefined, '[kvm2.lab]:2222', 4],
      ['revoked', '*', 5],
      ['cert-authority', '*.lab', 6],
    ]);
    expect(entries[0]?.key.fingerprint).toBe(k1.fingerprint);
  });

  it('says match, mismatch, revoked and unknown', () => {
    const entries = parseKnownHosts(text, 'kh');
    expect(checkKnownHosts(entries, 'kvm1.lab', k1).kind).toBe('match');
    expect(checkKnownHosts(entries, '10.0.0.1', k1).kind).toBe('match');
    expect(checkKnownHosts(entries, '[kvm2.lab]:2222', k2).kind).toBe('match');
    // same host on another port is another endpoint
    expect(checkKnownHosts(entries, 'kvm2.lab', k2).kind).toBe('unknown');
    const mm = checkKnownHosts(entries, 'kvm1.lab', k2);
    expect(mm.kind).toBe('mismatch');
    expect(mm.kind === 'mismatch' && mm.entries[0]?.key.fingerprint).toBe(k1.fingerprint);
    expect(checkKnownHosts(entries, 'anything', k3).kind).toBe('revoked');
    // a CA line is not a host key: a host under *.lab is still unknown
    expect(checkKnownHosts(entries, 'kvm9.lab', k2).kind).toBe('unknown');
    expect(knownKeyTypes(entries, 'kvm1.lab')).toEqual(['ssh-ed25519']);
  });

  it('matches entries hashed by ssh-keygen -H, including [host]:port', () => {
    const hashed = hashKnownHosts(`kvm1.lab ${k1.line}\n[kvm2.lab]:2222 ${k2.line}\n`);
    expect(hashed).toMatch(/^\|1\|/m);
    expect(hashed).not.toContain('kvm1.lab');
    const entries = parseKnownHosts(hashed);
    expect(checkKnownHosts(entries, 'kvm1.lab', k1).kind).toBe('match');
    expect(checkKnownHosts(entries, '[kvm2.lab]:2222', k2).kind).toBe('match');
    expect(checkKnownHosts(entries, 'kvm1.lab', k2).kind).toBe('mismatch');
    expect(checkKnownHosts(entries, 'kvm3.lab', k1).kind).toBe('unknown');
  });
});
