/**
 * Issue 6: Shut down presses the power button; a guest that ignores it (here a VM with nothing to
 * boot) makes the task fail after the user's timeout, offering Force off, which then works.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { labEngine } from './lab-engine';
import { readLabInfo, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const NAME = `noacpi-${crypto.randomBytes(3).toString('hex')}`;

describe('shut down with a guest that ignores the power button', () => {
  let engine: Engine;
  let testEngine: { engine: Engine; dispose(): Promise<void> } | undefined;
  beforeAll(async () => {
    testEngine = await labEngine(lab, 'shutdown');
    engine = testEngine.engine;
  });
  afterAll(async () => {
    await testEngine?.dispose();
    await sshRun(h1, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; virsh vol-delete --pool default ${NAME}-disk0.qcow2 >/dev/null 2>&1; true`).catch(() => undefined);
  });

  it('fails after the configured timeout, offering Force off', async () => {
    await engine.call('settings.update', { shutdownTimeoutSec: 10 });
    const host = await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    await waitFor('the host to connect', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.state === 'connected'), 20_000, 100);
    const updates: Job[] = [];
    engine.subscribe('job.updated', {}, (j) => updates.push(j));
    const done = (id: string) => waitFor(`job ${id}`, async () => updates.find((j) => j.id === id && ['succeeded', 'failed', 'cancelled'].includes(j.state)), 60_000, 50);

    const created = await engine.call('vms.create', { name: NAME, hostId: host.id, memoryMiB: 64, accel: 'tcg', source: { kind: 'blank' }, diskSizeGiB: 0.1, network: null, start: true });
    expect((await done(created.jobId)).state).toBe('succeeded');
    const vm = await waitFor('the VM in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === NAME && v.state === 'running'), 10_000, 100);

    const started = Date.now();
    const [shutdown] = (await engine.call('vms.action', { vmIds: [vm.id], action: 'shutdown' })).jobs;
    const job = await done(shutdown!.jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'TIMEOUT', details: { offer: 'forceOff' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect((await virsh(h1, ['domstate', NAME])).trim()).toBe('running');

    const [off] = (await engine.call('vms.action', { vmIds: [vm.id], action: 'forceOff' })).jobs;
    expect((await done(off!.jobId)).state).toBe('succeeded');
    expect((await virsh(h1, ['domstate', NAME])).trim()).toBe('shut off');
  });
});
