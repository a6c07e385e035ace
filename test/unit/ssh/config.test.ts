import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJumpSpec, resolveTarget } from '../../../engine/ssh/config';

const CONFIG = `
Host kvm1
  HostName 10.0.0.11
  Port 2222
  User admin
  IdentityFile ~/.ssh/kvm_%r_%h
  IdentityFile /etc/keys/shared
  ProxyJump bastion

Host bastion
  HostName bastion.example.org
  User jump
  IdentityFile ~/.ssh/jump

Host outer
  HostName outer.example.org
  ProxyJump gate

Host gate
  HostName gate.example.org
  Port 2200

Host chain
  HostName 10.9.9.9
  ProxyJump outer,ops@inner:2022

Host loop1
  ProxyJump loop2
Host loop2
  ProxyJump loop1

Host agentless
  IdentityAgent none
  IdentitiesOnly yes
  HostKeyAlias alias.lab

Host *.lab
  User labber
  HostName %h.internal

Host *
  ServerAliveInterval 10
`;

const home = '/home/tester';
const src = { configText: CONFIG, homeDir: home, localUser: 'me' };

describe('resolveTarget', () => {
  it('applies Host, HostName, User, Port, IdentityFile (with ~ and tokens), ProxyJump', async () => {
    const t = await resolveTarget({ address: 'kvm1' }, src);
    expect(t).toMatchObject({ alias: 'kvm1', host: '10.0.0.11', port: 2222, user: 'admin' });
    expect(t.identityFiles).toEqual([`${home}/.ssh/kvm_admin_10.0.0.11`, '/etc/keys/shared']);
    expect(t.jumps).toHaveLength(1);
    expect(t.jumps[0]).toMatchObject({ alias: 'bastion', host: 'bastion.example.org', port: 22, user: 'jump', identityFiles: [`${home}/.ssh/jump`] });
  });

  it('lets explicit user and port win over the config', async () => {
    const t = await resolveTarget({ address: 'kvm1', user: 'root', port: 22 }, src);
    expect(t).toMatchObject({ host: '10.0.0.11', port: 22, user: 'root' });
    expect(t.identityFiles[0]).toBe(`${home}/.ssh/kvm_root_10.0.0.11`);
  });

  it('falls back to the address, local user, port 22 and the default identity files', async () => {
    const t = await resolveTarget({ address: '192.168.1.20' }, src);
    expect(t).toMatchObject({ host: '192.168.1.20', port: 22, user: 'me', jumps: [], identitiesOnly: false });
    expect(t.identityFiles).toContain(`${home}/.ssh/id_ed25519`);
    expect(t.identityFiles).toContain(`${home}/.ssh/id_rsa`);
  });

  it('expands %h in HostName with wildcard sections', async () => {
    const t = await resolveTarget({ address: 'kvm7.lab' }, src);
    expect(t).toMatchObject({ host: 'kvm7.lab.internal', user: 'labber' });
  });

  it('resolves comma-separated chains, with the first hop’s own ProxyJump first', async () => {
    const t = await resolveTarget({ address: 'chain' }, src);
    expect(t.jumps.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual([
      'me@gate.example.org:2200',
      'me@outer.example.org:22',
      'ops@inner:2022',
    ]);
  });

  it('reads IdentityAgent, IdentitiesOnly and HostKeyAlias', async () => {
    const t = await resolveTarget({ address: 'agentless' }, src);
    expect(t).toMatchObject({ identityAgent: 'none', identitiesOnly: true, hostKeyAlias: 'alias.lab' });
  });

  it('refuses ProxyJump loops and bad names', async () => {
    await expect(resolveTarget({ address: 'loop1' }, src)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(resolveTarget({ address: 'two words' }, src)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  describe('from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-cfg-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('reads the injected path, and treats a missing file as empty', async () => {
      const path = join(dir, 'config');
      writeFileSync(path, 'Host x\n  HostName 1.2.3.4\n  Port 2200\n');
      expect(await resolveTarget({ address: 'x' }, { configPath: path, homeDir: home, localUser: 'me' })).toMatchObject({ host: '1.2.3.4', port: 2200 });
      expect(await resolveTarget({ address: 'x' }, { configPath: join(dir, 'nope'), homeDir: home, localUser: 'me' })).toMatchObject({ host: 'x', port: 22 });
    });

    it('follows Include, with globs relative to ~/.ssh, in place', async () => {
      const h = join(dir, 'home');
      mkdirSync(join(h, '.ssh', 'config.d'), { recursive: true });
      writeFileSync(join(h, '.ssh', 'config.d', '10-lab'), 'Host kvm*\n  User labadmin\n  Port 2201\n');
      writeFileSync(join(h, '.ssh', 'config.d', '20-other'), 'Host kvm1\n  HostName 10.1.1.1\n');
      writeFileSync(join(h, '.ssh', 'config'), 'Include config.d/*\nHost *\n  User fallback\n');
      const t = await resolveTarget({ address: 'kvm1' }, { homeDir: h, localUser: 'me' });
      expect(t).toMatchObject({ host: '10.1.1.1', user: 'labadmin', port: 2201 });
      expect(await resolveTarget({ address: 'web' }, { homeDir: h, localUser: 'me' })).toMatchObject({ user: 'fallback' });
    });
  });
});

describe('parseJumpSpec', () => {
  it.each([
    ['bastion', { address: 'bastion' }],
    ['u@b:2200', { address: 'b', user: 'u', port: 2200 }],
    ['ssh://u@b:2200', { address: 'b', user: 'u', port: 2200 }],
    ['[::1]:2222', { address: '::1', port: 2222 }],
    ['u@fe80::1', { address: 'fe80::1', user: 'u' }],
  ])('%s', (spec, want) => {
    expect(parseJumpSpec(spec)).toEqual(want);
  });
  it('rejects a bad port', () => {
    expect(() => parseJumpSpec('b:99999')).toThrow();
  });
});
