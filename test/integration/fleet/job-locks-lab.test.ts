/**
 * Issue 14 (fc-jobs), against the lab: two concurrent mutating requests on one VM give one job and
 * one CONFLICT naming it (the same power action twice), or a queued job that runs after it (edits),
 * as each kind declares. The busy VM is one whose guest ignores the power button (nothing to boot), so a
 * Shut down keeps it busy until it is cancelled.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import type { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { finishedJob } from '../../helpers/run-job';
import { labEngine } from './lab-engine';
import { readLabInfo, sshRun, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const NAME = `fc-jobs-${crypto.randomBytes(3).toString('hex')}`;

describe('locks on a real VM', () => {
  let engine: Engine;
  let testEngine: { engine: Engine; dispose(): Promise<void> } | undefined;
  let vmId = '';
  beforeAll(async () => {
    testEngine = await labEngine(lab, 'fc-jobs');
    engine = testEngine.engine;
    await engine.call('settings.update', { shutdownTimeoutSec: 60 });
    const host = await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    await waitFor('the host to connect', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.state === 'connected'), 20_000, 100);
    const created = await engine.call('vms.create', { name: NAME, hostId: host.id, memoryMiB: 64, accel: 'tcg', source: { kind: 'blank' }, diskSizeGiB: 0.1, network: null, start: true });
    expect((await finishedJob(engine, created.jobId)).state).toBe('succeeded');
    vmId = (await waitFor('the VM running', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === NAME && v.state === 'running'), 20_000, 100)).id;
  });
  afterAll(async () => {
    await testEngine?.dispose();
    await sshRun(h1, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; virsh vol-delete --pool default ${NAME}-disk0.qcow2 >/dev/null 2>&1; true`).catch(() => undefined);
  });

  it('the same power action twice at once: one job, one CONFLICT naming it; two edits meanwhile wait, then run in order', async () => {
    const [a, b] = await Promise.allSettled([engine.call('vms.action', { vmIds: [vmId], action: 'shutdown' }), engine.call('vms.action', { vmIds: [vmId], action: 'shutdown' })]);
    const ok = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const running = (ok[0] as PromiseFulfilledResult<{ jobs: { jobId: string }[] }>).value.jobs[0]!.jobId;
    const err = refused[0]!.reason as HangarError;
    expect(err.code).toBe('CONFLICT');
    expect(err.details).toMatchObject({ jobId: running, message: { key: 'job.err.busy', args: { name: NAME, jobId: running } } });
    console.log(`[locks] refused: ${err.message}`);

    // Edits are declared to wait: both are accepted, and queue behind the running action.
    const [e1, e2] = await Promise.all([engine.call('vms.update', { vmId, description: 'first' }), engine.call('vms.update', { vmId, description: 'second' })]);
    const q1 = await engine.call('jobs.get', e1);
    const q2 = await engine.call('jobs.get', e2);
    expect(q1).toMatchObject({ state: 'queued', kind: 'vm.update', target: { kind: 'vm', id: vmId }, waitingFor: { reason: 'target', jobId: running } });
    expect(q2).toMatchObject({ state: 'queued', waitingFor: { reason: 'target', jobId: running } });

    // The running action ends (cancelled here): the edits run, one after the other, in order.
    await engine.call('jobs.cancel', { jobId: running });
    const done: Job[] = [await finishedJob(engine, e1.jobId), await finishedJob(engine, e2.jobId)];
    expect(done.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    expect(done[1]!.startedAt!).toBeGreaterThanOrEqual(done[0]!.finishedAt!);
    expect((done[1]!.result as { vm: { description: string | null } }).vm.description).toBe('second');
    // A finished edit is part of the VM's history, like a power action.
    const { events } = await engine.call('events.list', { vmId });
    expect(events.some((e) => e.message.key === 'job.vm.update' && e.message.args?.outcome === 'succeeded')).toBe(true);
  });
});
