import { describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { hostProblem, withProblem } from '../../../engine/hosts/host-problem';
import { en } from '../../../renderer/src/i18n/en';

describe('hostProblem (h1-hosts)', () => {
  const cases: Array<[HangarError, string]> = [
    [new HangarError('UNREACHABLE', 'Connection to 10.66.0.12 was lost: Keepalive timeout', { reason: 'keepalive' }), 'hostProblem.linkLost'],
    [new HangarError('UNREACHABLE', '10.66.0.12:22 did not answer within 2500 ms', { cause: 'ETIMEDOUT' }), 'hostProblem.noAnswer'],
    [new HangarError('UNREACHABLE', 'Cannot reach 10.66.0.12:22: ECONNREFUSED', { cause: 'ECONNREFUSED' }), 'hostProblem.sshRefused'],
    [new HangarError('UNREACHABLE', 'Cannot reach nope:22: ENOTFOUND', { cause: 'ENOTFOUND' }), 'hostProblem.unknownName'],
    [new HangarError('UNREACHABLE', 'libvirt is not running on this host', { reason: 'libvirt-down' }), 'hostProblem.libvirtDown'],
    [new HangarError('TIMEOUT', 'Command "for s in /run/libvirt/virtqemud-sock …" timed out after 15000 ms'), 'hostProblem.noAnswer'],
    [new HangarError('HOST_KEY_CHANGED', 'changed', { previousFingerprint: 'a', fingerprint: 'b' }), 'hostProblem.keyChanged'],
    [new HangarError('HOST_KEY_CHANGED', 'revoked', { revoked: true }), 'hostProblem.keyRevoked'],
    [new HangarError('AUTH_FAILED', 'No credentials were available to try'), 'hostProblem.authFailed'],
    [new HangarError('INVALID_PARAMS', 'relative', { reason: 'key-file-relative', path: 'test/lab/state/ssh/id_ed25519' }), 'hostProblem.keyFileRelative'],
    [new HangarError('CONFLICT', 'dup', { reason: 'duplicate-host', existingName: 'lab1' }), 'hostProblem.duplicate'],
  ];

  it.each(cases)('words for %s', (err, key) => {
    const p = hostProblem(err.toData());
    expect(p.key).toBe(key);
    expect(en).toHaveProperty(key);
    // The words never quote the internals the technical message carries.
    const text = en[key as keyof typeof en];
    expect(text).not.toMatch(/\/run\/libvirt|\d{4,} ms|Keepalive timeout/);
  });

  it('keeps the technical error and adds the words in details', () => {
    const e = withProblem(new HangarError('UNREACHABLE', 'libvirt connection closed'), 'libvirt-down');
    expect(e.message).toBe('libvirt connection closed');
    expect(e.details).toMatchObject({ reason: 'libvirt-down', message: { key: 'hostProblem.libvirtDown' } });
    // A reason given at the origin wins over the caller's guess.
    expect(withProblem(new HangarError('UNREACHABLE', 'x', { reason: 'keepalive' }), 'libvirt-down').details?.['reason']).toBe('keepalive');
  });
});
