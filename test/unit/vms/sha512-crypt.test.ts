import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sha512Crypt } from '../../../engine/vms/cloud-init/sha512-crypt';

// The test vectors published with Ulrich Drepper's specification (SHA-crypt, "$6$").
const VECTORS: Array<[setting: string, key: string, hash: string]> = [
  ['$6$saltstring', 'Hello world!', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
  ['$6$rounds=10000$saltstringsaltstring', 'Hello world!', '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
  ['$6$rounds=5000$toolongsaltstring', 'This is just a test', '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0'],
  ['$6$rounds=1400$anotherlongsaltstring', 'a very much longer text to encrypt.  This one even stretches over morethan one line.', '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1'],
  ['$6$rounds=77777$short', 'we have a short salt string but not a short password', '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0'],
  ['$6$rounds=123456$asaltof16chars..', 'a short string', '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1'],
  ['$6$rounds=10$roundstoolow', 'the minimum number is still observed', '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.'],
];

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('sha512-crypt', () => {
  it.each(VECTORS)('matches the published vector %s', (setting, key, hash) => {
    const m = /^\$6\$(?:rounds=(\d+)\$)?(.*)$/.exec(setting)!;
    expect(sha512Crypt(key, m[2]!, m[1] ? Number(m[1]) : undefined)).toBe(hash);
  });

  it('draws a fresh 16-character salt each time', () => {
    const a = sha512Crypt('pw');
    expect(a).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(sha512Crypt('pw')).not.toBe(a);
  });

  it.skipIf(!haveOpenssl)('agrees with `openssl passwd -6` on hostile and non-ASCII passwords (skipped without openssl)', () => {
    for (const pw of ['pw', 'p"w\n  - evil: yes', '비밀번호 ✓', 'x'.repeat(200), "it's $HOME `id`"]) {
      const mine = sha512Crypt(pw);
      const salt = mine.split('$')[2]!;
      const r = spawnSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: pw.replaceAll('\n', ' ') + '\n', encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(sha512Crypt(pw.replaceAll('\n', ' '), salt)).toBe(r.stdout.trim());
    }
  });
});
