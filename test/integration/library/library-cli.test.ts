/**
 * `hangar library` on the command line, with the hosts of a data dir: upload a file into the
 * library (Ready, the host's sha256sum equal to the file's), list it, delete it (the volume goes),
 * and an unknown item is refused with exit code 1 and a sentence.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabInfo, sshExec, virsh, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const h = lab.hosts[0] as LabHost;
const NAME = `snaptpl-cli-${crypto.randomBytes(3).toString('hex')}`;

describe('hangar library', () => {
  let dir = '';
  let home = '';
  const hangar = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['scripts/run-ts.mjs', 'engine/cli/hangar.ts', 'library', ...args, '--data-dir', dir], { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    });

  beforeAll(async () => {
    const te = await labEngine(lab, 'snaptpl-cli');
    dir = te.dir;
    await te.engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    // The CLI opens the data dir on its own: the in-process engine lets go of it first.
    await te.engine.close();
    // The CLI reads ~/.ssh/known_hosts: a HOME with the lab's.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptpl-cli-home-'));
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    fs.copyFileSync(lab.knownHostsPath, path.join(home, '.ssh', 'known_hosts'));
  }, 120_000);

  afterAll(async () => {
    await sshExec(h, `for v in $(virsh vol-list default | awk '{print $1}' | grep -- '${NAME}'); do virsh vol-delete --pool default $v >/dev/null 2>&1; done; true`).catch(() => undefined);
    for (const d of [dir, home]) if (d) fs.rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('uploads, lists and deletes an item; refuses an unknown one', async () => {
    const want = crypto.createHash('sha256').update(fs.readFileSync(lab.guest.baseImage)).digest('hex');
    const up = await hangar('upload', lab.guest.baseImage, '--host', h.name, '--pool', 'default', '--name', NAME, '--os', 'linux');
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain(`${NAME}: template Ready on ${h.name}`);
    expect(up.out).toContain(want);
    const vol = up.out.match(/\(default\/([^)]+)\)/)?.[1];
    expect(vol).toBeTruthy();
    expect((await sshExec(h, `sha256sum /var/lib/libvirt/images/${vol}`)).stdout.split(/\s+/)[0]).toBe(want);

    const list = await hangar('list');
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(new RegExp(`${NAME}  template  linux  qcow2`));
    expect(list.out).toContain(`${h.name} default/${vol} Ready`);

    const del = await hangar('delete', NAME);
    expect(del.code, del.err).toBe(0);
    expect(await virsh(h, ['vol-list', 'default'])).not.toContain(vol);

    const none = await hangar('delete', NAME);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`hangar: No library item ${NAME}`);
  }, 240_000);
});
