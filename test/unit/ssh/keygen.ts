import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeHostKey, type HostPublicKey } from '../../../engine/ssh/fingerprint';

/** Real keys from ssh-keygen, so tests never rely on hand-made key blobs. */
export function hasSshKeygen(): boolean {
  try {
    execFileSync('ssh-keygen', ['-l', '-f', '/dev/null'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== 'ENOENT';
  }
}

export interface TestKey extends HostPublicKey {
  /** "ssh-ed25519 AAAA…" as in a .pub file (type and base64, no comment). */
  line: string;
}

export function makeKeys(n: number, type: 'ed25519' | 'rsa' | 'ecdsa' = 'ed25519'): TestKey[] {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-keys-'));
  try {
    return Array.from({ length: n }, (_, i) => {
      const file = join(dir, `k${i}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
      const [t, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
      return { ...describeHostKey(Buffer.from(b64 ?? '', 'base64')), line: `${t} ${b64}` };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Hashes a known_hosts text with `ssh-keygen -H`, the real OpenSSH implementation. */
export function hashKnownHosts(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-kh-'));
  try {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, text);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
