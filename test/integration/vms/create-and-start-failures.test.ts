/**
 * Issue 13 items 2 and 3 against the lab: placement that goes where the source volume is, refusals
 * before any job starts (a taken name, a leftover volume), and a start that fails because the
 * domain asks for KVM on a host where KVM cannot run a guest: the reason is kept with the VM and in
 * its history, and switching to software emulation starts it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, Job } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { readLabInfo, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';
import { runJob } from '../../helpers/run-job';

const lab = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost];
const tag = crypto.randomBytes(3).toString('hex');
const ONLY2 = `h2-only2-${tag}.qcow2`;
const PLACED = `h2-placed-${tag}`;
const TAKEN = `h2-taken-${tag}`;
const LEFT = `h2-left-${tag}`;
const KVM = `h2-kvm-${tag}`;
const defaultPool = (h: LabHost) => path.join(h.stateDir, 'var-lib-libvirt', 'images');

async function refusal(p: Promise<unknown>): Promise<HangarError> {
  try {
    await p;
  } catch (err) {
    return HangarError.from(err);
  }
  throw new Error('expected a refusal');
}

describe('create placement, up-front checks and failed starts', () => {
  let engine: Engine;
  let testEngine: { engine: Engine; dispose(): Promise<void> } | undefined;
  let host1: Host;
  let host2: Host;
  const jobs = new Map<string, Job>();

  const finished = (jobId: string, ms = 90_000) => waitFor(`job ${jobId} to finish`, async () => {
    const j = jobs.get(jobId);
    return j && j.state !== 'queued' && j.state !== 'running' ? j : undefined;
  }, ms, 50);

  beforeAll(async () => {
    // A base image that only lab2 has, in its local pool.
    fs.copyFileSync(lab.guest.baseImage, path.join(defaultPool(h2), ONLY2));
    await virsh(h2, ['pool-refresh', 'default']);
    testEngine = await labEngine(lab, 'h2-create');
    engine = testEngine.engine;
    engine.subscribe('job.updated', {}, (j) => jobs.set(j.id, j));
    const add = (h: LabHost) => engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    host1 = await add(h1);
    host2 = await add(h2);
    // Connected, with the facts (and the KVM probe) of this connection.
    await waitFor('both hosts connected with facts', async () => {
      const hs = (await engine.call('hosts.list', {})).hosts;
      return hs.length === 2 && hs.every((h) => h.state === 'connected' && h.facts?.accel) ? hs : undefined;
    }, 30_000, 100);
  }, 120_000);

  afterAll(async () => {
    await testEngine?.dispose();
    for (const [h, names] of [[h1, [PLACED, TAKEN, LEFT, KVM]], [h2, [PLACED]]] as const) {
      const cmds = names.map((n) => `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n}-disk0.qcow2 >/dev/null 2>&1`).join('; ');
      await sshRun(h, `${cmds}; true`).catch(() => undefined);
    }
    fs.rmSync(path.join(defaultPool(h2), ONLY2), { force: true });
    await virsh(h2, ['pool-refresh', 'default']).catch(() => undefined);
  }, 60_000);

  it('reports the acceleration that really works on each host', async () => {
    const hs = (await engine.call('hosts.list', {})).hosts;
    for (const h of hs) expect(h.facts?.accel?.kvm, h.name).toBe(lab.accel === 'kvm');
    if (lab.accel === 'tcg' && fs.existsSync('/sys/module/kvm_pvm')) {
      expect(hs[0]!.facts?.accel).toMatchObject({ reason: 'paravirtModule', detail: expect.stringContaining('kvm_pvm') });
    }
  });

  it('with Automatic placement, puts the VM on the host that has its source volume', async () => {
    const { jobId } = await engine.call('vms.create', {
      name: PLACED,
      memoryMiB: 128,
      source: { kind: 'clone', base: { pool: 'default', volume: ONLY2 }, mode: 'overlay' },
      diskSizeGiB: 0.1,
      network: null,
    });
    const job = await finished(jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect((job.result as { hostId: string }).hostId).toBe(host2.id);
    expect((await virsh(h2, ['list', '--all', '--name'])).split('\n')).toContain(PLACED);
    expect((await virsh(h1, ['list', '--all', '--name'])).split('\n')).not.toContain(PLACED);
    // The default acceleration is what works on the host.
    expect(await virsh(h2, ['dumpxml', PLACED])).toContain(`<domain type='${lab.domainType}'`);

    // A volume no host has: refused up front, each host named with its reason.
    const e = await refusal(engine.call('vms.create', { name: `h2-nowhere-${tag}`, source: { kind: 'clone', base: { pool: 'default', volume: `h2-missing-${tag}.qcow2` }, mode: 'overlay' }, network: null }));
    expect(e.code).toBe('CONFLICT');
    expect(e.details?.message).toMatchObject({ key: 'placement.err.refused' });
    expect(e.message).toContain(`${h1.name} has no volume h2-missing-${tag}.qcow2 in pool default`);
    expect(e.message).toContain(`${h2.name} has no volume`);
  });

  it('refuses a taken name and a leftover volume before any job starts, and changes nothing', async () => {
    const blank = { memoryMiB: 128, source: { kind: 'blank' as const }, diskSizeGiB: 0.1, network: null, accel: 'tcg' as const };
    const first = await engine.call('vms.create', { name: TAKEN, hostId: host1.id, ...blank });
    expect((await finished(first.jobId)).state).toBe('succeeded');
    const jobsBefore = (await engine.call('jobs.list', { limit: 500 })).jobs.length;

    const taken = await refusal(engine.call('vms.create', { name: TAKEN, hostId: host1.id, ...blank }));
    expect(taken.code).toBe('CONFLICT');
    expect(taken.details).toMatchObject({ field: 'name', message: { key: 'vm.err.nameTaken', args: { name: TAKEN, host: h1.name } } });

    // What an interrupted create leaves: the disk volume, and no domain.
    await virsh(h1, ['vol-create-as', 'default', `${LEFT}-disk0.qcow2`, '1M', '--format', 'qcow2']);
    const left = await refusal(engine.call('vms.create', { name: LEFT, hostId: host1.id, ...blank }));
    expect(left.code).toBe('CONFLICT');
    expect(left.details).toMatchObject({ message: { key: 'vm.err.volumeExists', args: { volume: `${LEFT}-disk0.qcow2`, pool: 'default' } } });
    expect(left.message).toMatch(/exists already in pool default/);

    // On a chosen host: the field at fault, since that host can never give it.
    const over = await refusal(engine.call('vms.create', { name: `h2-over-${tag}`, hostId: host1.id, ...blank, vcpus: 256 }));
    expect(over.details).toMatchObject({ field: 'vcpus', message: { key: 'vm.err.vcpus', args: { vcpus: 256, host: h1.name } } });
    // Placed automatically: placement refuses it, naming each host and why.
    const overAuto = await refusal(engine.call('vms.create', { name: `h2-over-${tag}`, ...blank, vcpus: 256 }));
    expect(overAuto.details).toMatchObject({ message: { key: 'placement.err.refused' } });
    const refusals = (overAuto.details as { refusals: { host: string; reasons: { key: string }[] }[] }).refusals;
    const forH1 = refusals.find((r) => r.host === h1.name);
    expect(forH1?.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'placement.why.moreVcpusThanCpus', args: expect.objectContaining({ vcpus: 256 }) })]));

    expect((await engine.call('jobs.list', { limit: 500 })).jobs.length).toBe(jobsBefore);
    expect((await virsh(h1, ['list', '--all', '--name'])).split('\n')).not.toContain(LEFT);
    expect(await virsh(h1, ['vol-list', 'default'])).toContain(`${LEFT}-disk0.qcow2`); // not ours to delete
  });

  it.runIf(lab.accel === 'tcg')('a KVM guest on a host where KVM cannot run: the reason is shown, and software emulation starts it', async () => {
    const created = await engine.call('vms.create', { name: KVM, hostId: host1.id, memoryMiB: 128, source: { kind: 'blank' }, diskSizeGiB: 0.1, network: null, accel: 'kvm' });
    const made = await finished(created.jobId);
    expect(made.state).toBe('succeeded');
    const vmId = (made.result as { uuid: string }).uuid;
    expect(await virsh(h1, ['dumpxml', KVM])).toContain("<domain type='kvm'");

    const jobId = (await engine.call('vms.action', { vmIds: [vmId], action: 'start' })).jobs[0]!.jobId;
    const failed = await finished(jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.details?.fix).toBe('useSoftwareEmulation');
    // In words: no libvirt error class, no QEMU timestamps or source positions.
    expect(failed.error?.message).not.toMatch(/internal error|\d{4}-\d\d-\d\dT|\.c:\d+/);

    const vm = await waitFor('the VM to show Error with its reason', async () => {
      const v = (await engine.call('vms.list', {})).vms.find((x) => x.id === vmId);
      return v?.state === 'error' && v.stateReason ? v : undefined;
    }, 10_000, 100);
    expect(vm.stateReason).toBe(failed.error?.message);
    expect(vm.stateFix).toBe('useSoftwareEmulation');
    const events = await waitFor('the failure in the VM history', async () => {
      const ev = (await engine.call('events.list', { vmId, limit: 50 })).events;
      return ev.find((e) => e.message.key === 'job.vm.start' && e.message.args?.outcome === 'failed');
    }, 5_000, 100);
    expect(events.message.args?.reason).toBe(failed.error?.message);
    expect(events.severity).toBe('error');

    // The fix: software emulation, then start.
    const details = await runJob(engine, 'vms.update', { vmId, accel: 'tcg' });
    expect(details.accel).toBe('tcg');
    expect(await virsh(h1, ['dumpxml', '--inactive', KVM])).toContain("<domain type='qemu'");
    const again = (await engine.call('vms.action', { vmIds: [vmId], action: 'start' })).jobs[0]!.jobId;
    expect((await finished(again)).state).toBe('succeeded');
    expect((await virsh(h1, ['domstate', KVM])).trim()).toBe('running');
    const running = await waitFor('Running without a reason', async () => {
      const v = (await engine.call('vms.list', {})).vms.find((x) => x.id === vmId);
      return v?.state === 'running' ? v : undefined;
    }, 10_000, 100);
    expect(running.stateReason).toBeNull();
  }, 120_000);
});
