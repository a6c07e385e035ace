import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeHostKey, keyTypeOf, sha256Fingerprint } from '../../../engine/ssh/fingerprint';

const hasKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status !== undefined && (err as { code?: string }).code !== 'ENOENT';
  }
})();

describe.skipIf(!hasKeygen)('fingerprint (compared with ssh-keygen -lf; skipped without ssh-keygen)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-fp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['ed25519', []],
    ['ecdsa', ['-b', '256']],
    ['ecdsa', ['-b', '521']],
    ['rsa', ['-b', '2048']],
  ] as const)('%s %s matches ssh-keygen', (type, extra) => {
    const file = join(dir, `k-${type}-${extra.join('')}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, ...extra, '-N', '', '-C', 'test', '-f', file]);
    const [keyType, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
    const blob = Buffer.from(b64 ?? '', 'base64');
    // "256 SHA256:abc… test (ED25519)"
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]).toString().split(/\s+/)[1];
    expect(sha256Fingerprint(blob)).toBe(expected);
    expect(sha256Fingerprint(blob)).not.toContain('=');
    expect(keyTypeOf(blob)).toBe(keyType);
    expect(describeHostKey(blob)).toEqual({ keyType, publicKey: b64, fingerprint: expected });
  });
});

describe('keyTypeOf', () => {
  it('rejects malformed blobs', () => {
    expect(() => keyTypeOf(Buffer.alloc(2))).toThrow();
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 50, 1, 2]))).toThrow();
  });
});
