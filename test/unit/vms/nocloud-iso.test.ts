import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nocloudSeed, userDataOf } from '../../../engine/vms/cloud-init/nocloud';
import { sha512Crypt } from '../../../engine/vms/cloud-init/sha512-crypt';

const haveXorriso = spawnSync('xorriso', ['-version']).status === 0;
const haveBlkid = spawnSync('blkid', ['-V']).status === 0;

describe('cloud-init NoCloud seed', () => {
  it('writes user-data as JSON, so hostile input cannot change its structure', () => {
    const ud = userDataOf({ hostname: 'web-1', user: 'ops', password: 'p"w\n  - evil: yes', sshAuthorizedKeys: ['ssh-ed25519 AAAA key'] }, 'x');
    expect(ud.startsWith('#cloud-config\n')).toBe(true);
    const doc = JSON.parse(ud.slice('#cloud-config\n'.length));
    expect(doc.hostname).toBe('web-1');
    expect(doc.users[1]).toMatchObject({ name: 'ops', lock_passwd: false, ssh_authorized_keys: ['ssh-ed25519 AAAA key'] });
    expect(Object.keys(doc)).toEqual(['hostname', 'users', 'ssh_pwauth']);
  });

  // The seed ISO sits in a storage pool on the host, readable by anyone who can read the pool:
  // it carries a SHA-512 crypt hash, never the password.
  it('writes the password as a SHA-512 crypt hash, never in clear', () => {
    const password = 'correct horse battery staple';
    const ud = userDataOf({ user: 'ops', password }, 'x');
    expect(ud).not.toContain(password);
    expect(ud).not.toContain('plain_text_passwd');
    const user = JSON.parse(ud.slice('#cloud-config\n'.length)).users[1];
    expect(user.passwd).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(sha512Crypt(password, user.passwd.split('$')[2])).toBe(user.passwd);
    const iso = nocloudSeed({ user: 'ops', password }, 'iid', 'vm');
    expect(iso.includes(Buffer.from(password))).toBe(false);
    expect(iso.includes(Buffer.from('"passwd": "$6$'))).toBe(true);
  });

  it.skipIf(!haveXorriso)('is an ISO 9660 image with Joliet names that xorriso reads back (skipped without xorriso)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-seed-'));
    const iso = path.join(dir, 'seed.iso');
    fs.writeFileSync(iso, nocloudSeed({ hostname: 'vm-7', user: 'ops' }, 'iid-123', 'vm-7'));
    const out = path.join(dir, 'out');
    const r = spawnSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['meta-data', 'user-data']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'meta-data'), 'utf8'))).toEqual({ 'instance-id': 'iid-123', 'local-hostname': 'vm-7' });
    expect(fs.readFileSync(path.join(out, 'user-data'), 'utf8')).toContain('"hostname": "vm-7"');
    if (haveBlkid) expect(spawnSync('blkid', ['-o', 'value', '-s', 'LABEL', iso], { encoding: 'utf8' }).stdout.trim()).toBe('cidata');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
