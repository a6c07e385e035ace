/**
 * Issue 6: a host that drops off in the middle of a create. The job fails cleanly with the reason,
 * and what it could not undo is named in its error, so nothing half-created is left unexplained.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, type Job } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { labEngine } from './lab-engine';
import { LAB_DIR, readLabInfo, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const NAME = `drop-${tag}`;
const BASE = `bigbase-${tag}.qcow2`;
const pidFile = path.join(h1.stateDir, 'run', 'libvirtd.pid');
const startLibvirtd = () =>
  spawnSync('bash', [path.join(LAB_DIR, 'scripts', 'host.sh'), 'exec', h1.name, '/usr/sbin/libvirtd', '-d', '-p', pidFile, '-f', '/etc/libvirt/libvirtd.conf']);

describe('a host that drops off mid-create', () => {
  let engine: Engine;
  let testEngine: { engine: Engine; dispose(): Promise<void> } | undefined;

  beforeAll(async () => {
    // A base image with real data, so copying it takes a moment.
    await sshRun(h1, `qemu-img convert -f raw -O qcow2 <(head -c 400M /dev/urandom) ${lab.sharedPoolPath}/${BASE} 2>/dev/null || (head -c 400M /dev/urandom > /tmp/${tag}.raw && qemu-img convert -f raw -O qcow2 /tmp/${tag}.raw ${lab.sharedPoolPath}/${BASE}; rm -f /tmp/${tag}.raw)`, { timeoutMs: 120_000 });
    await virsh(h1, ['pool-refresh', 'shared']);
    testEngine = await labEngine(lab, 'drop');
    engine = testEngine.engine;
  }, 180_000);

  afterAll(async () => {
    if (!fs.existsSync(`/proc/${Number(fs.readFileSync(pidFile, 'utf8'))}`)) startLibvirtd();
    await testEngine?.dispose();
    await sshRun(h1, `virsh undefine ${NAME} >/dev/null 2>&1; virsh vol-delete --pool default ${NAME}-disk0.qcow2 >/dev/null 2>&1; rm -f ${lab.sharedPoolPath}/${BASE}; virsh pool-refresh shared >/dev/null 2>&1; true`).catch(() => undefined);
  });

  it('fails the job with the reason and names what it left behind', async () => {
    const host = await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    await waitFor('the host to connect', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.state === 'connected'), 20_000, 100);
    const updates: Job[] = [];
    let killed = false;
    engine.subscribe('job.updated', {}, (j) => {
      updates.push(j);
      // The moment the disk copy starts, the host's libvirt goes away.
      if (!killed && j.step?.key === 'job.vm.create.disk') {
        killed = true;
        process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
      }
    });
    const { jobId } = await engine.call('vms.create', {
      name: NAME,
      hostId: host.id,
      memoryMiB: 128,
      accel: 'tcg',
      source: { kind: 'clone', base: { pool: 'shared', volume: BASE }, mode: 'copy' },
      network: null,
    });
    const job = await waitFor('the job to fail', async () => updates.find((j) => j.id === jobId && j.state !== 'running' && j.state !== 'queued'), 60_000, 50);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('UNREACHABLE');

    // The host comes back: no VM was defined; any volume the copy left is the one the error named.
    startLibvirtd();
    await waitFor('libvirt back on the host', async () => (await virsh(h1, ['uri']).catch(() => '')).includes('qemu'), 30_000, 200);
    expect((await virsh(h1, ['list', '--all', '--name'])).split('\n')).not.toContain(NAME);
    // The disk it was making is named in the error, whatever became of it.
    expect(job.error?.message).toContain(`${NAME}-disk0.qcow2`);
    expect(job.error?.details?.leftBehind).toBeDefined();

    // The journal lists it too, and Clean up deletes it once Hangar has the host back.
    expect(leftovers(job).map((a) => a.name)).toEqual([`${NAME}-disk0.qcow2`]);
    await waitFor('Hangar to have the host back', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.state === 'connected'), 60_000, 200);
    const { jobId: cleanupId } = await engine.call('jobs.cleanup', { jobId });
    const cleanup = await waitFor('the clean-up', async () => updates.find((j) => j.id === cleanupId && j.state !== 'running' && j.state !== 'queued'), 60_000, 50);
    expect(cleanup.error).toBeNull();
    expect(cleanup.state).toBe('succeeded');
    expect(leftovers(await engine.call('jobs.get', { jobId }))).toEqual([]);
    await virsh(h1, ['pool-refresh', 'default']);
    expect(await virsh(h1, ['vol-list', '--pool', 'default'])).not.toContain(`${NAME}-disk0.qcow2`);
  });
});
