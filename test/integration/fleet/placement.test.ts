/**
 * Issue 14, placement, against the lab's two hosts: parallel creates never overbook (reservations
 * in SQLite), every refusal names each host's reason, and anti-affinity refuses (required) or
 * warns (preferred) when three VMs meet two hosts.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, HostRefusal, Job } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { readLabInfo, sshRun, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from './lab-engine';

const lab = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost];
const tag = crypto.randomBytes(3).toString('hex');
const names: string[] = [];
const vmName = (what: string) => {
  const n = `fcpl-${what}-${tag}`;
  names.push(n);
  return n;
};

describe('placement against the lab', () => {
  let engine: Engine;
  let testEngine: { engine: Engine; dispose(): Promise<void> } | undefined;
  let hosts: Host[];
  const jobs = new Map<string, Job>();
  const finished = (jobId: string, ms = 90_000) =>
    waitFor(`job ${jobId} to finish`, async () => {
      const j = jobs.get(jobId);
      return j && j.state !== 'queued' && j.state !== 'running' ? j : undefined;
    }, ms, 50);
  const blank = { source: { kind: 'blank' as const }, diskSizeGiB: 0.05, network: null, accel: lab.accel === 'kvm' ? ('kvm' as const) : ('tcg' as const), start: false };

  beforeAll(async () => {
    testEngine = await labEngine(lab, 'fcpl');
    engine = testEngine.engine;
    engine.subscribe('job.updated', {}, (j) => jobs.set(j.id, j));
    for (const h of [h1, h2]) await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    hosts = await waitFor('both hosts connected with facts', async () => {
      const hs = (await engine.call('hosts.list', {})).hosts;
      return hs.length === 2 && hs.every((h) => h.state === 'connected' && h.facts) ? hs : undefined;
    }, 30_000, 100);
  }, 120_000);

  afterAll(async () => {
    await testEngine?.dispose();
    const cmds = names.map((n) => `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n}-disk0.qcow2 >/dev/null 2>&1`).join('; ');
    for (const h of [h1, h2]) await sshRun(h, `${cmds}; true`).catch(() => undefined);
  }, 60_000);

  it('six parallel creates of a 400 MiB VM on hosts with 1 GiB allocatable each: exactly the number that fit, each refusal names each host', async () => {
    // 1 GiB allocatable per host through the per-host overcommit ratio (physical × ratio).
    for (const h of hosts) {
      const physicalMiB = Math.floor(h.facts!.memoryKiB / 1024);
      await engine.call('placement.setHostSettings', { hostId: h.id, memoryRatio: (1024 + 0.5) / physicalMiB, memoryReserveMiB: 0 });
    }
    const before = (await engine.call('placement.capacity', {})).hosts;
    for (const c of before) expect(c.memory.allocatable, c.hostName).toBe(1024);
    // VMs of other tests running on the shared lab count too: what fits is what placement says is free.
    const fit = before.reduce((a, c) => a + Math.max(0, Math.floor(c.memory.free / 400)), 0);

    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => engine.call('vms.create', { name: vmName(`par${i}`), memoryMiB: 400, ...blank })));
    const ms = Date.now() - t0;
    const placed = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof engine.call<'vms.create'>>>> => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => HangarError.from(r.reason));
    console.log(`[fcpl] ${placed.length} placed, ${refused.length} refused in ${ms} ms; expected ${fit} to fit; free before: ${before.map((c) => `${c.hostName} ${c.memory.free} MiB`).join(', ')}`);
    expect(placed).toHaveLength(fit);
    expect(refused).toHaveLength(6 - fit);
    for (const e of refused) {
      expect(e.code).toBe('CONFLICT');
      expect(e.details?.['message']).toMatchObject({ key: 'placement.err.refused' });
      const r = e.details?.['refusals'] as HostRefusal[];
      expect(r.map((x) => x.host).sort()).toEqual([h1.name, h2.name].sort());
      for (const x of r) expect(x.reasons.map((m) => m.key)).toEqual(['placement.why.memory']);
      for (const h of [h1, h2]) expect(e.message).toMatch(new RegExp(`${h.name} has \\d+ MiB of memory free, the VM needs 400 MiB`));
    }
    // Each host holds no more than it can: per host, at most floor(free / 400) new VMs.
    const byHost = new Map<string, number>();
    for (const p of placed) byHost.set(p.value.placement!.hostId, (byHost.get(p.value.placement!.hostId) ?? 0) + 1);
    for (const c of before) expect(byHost.get(c.hostId) ?? 0, c.hostName).toBeLessThanOrEqual(Math.floor(c.memory.free / 400));
    for (const p of placed) expect((await finished(p.value.jobId)).state).toBe('succeeded');
    // The jobs ended: their reservations are gone.
    await waitFor('reservations released', async () => ((await engine.call('placement.capacity', {})).hosts.every((c) => c.memory.reserved === 0) ? true : undefined), 10_000, 50);
  }, 180_000);

  it('required anti-affinity for three VMs over two hosts refuses the third; as a preferred rule it places the third with a warning', async () => {
    for (const h of hosts) await engine.call('placement.setHostSettings', { hostId: h.id, memoryRatio: 1, memoryReserveMiB: 0 });
    const group = await engine.call('placement.groups.create', { name: `fcpl-apart-${tag}`, kind: 'antiAffinity', enforcement: 'hard' });
    const made: string[] = [];
    for (const what of ['aa1', 'aa2']) {
      const ref = await engine.call('vms.create', { name: vmName(what), memoryMiB: 64, affinityGroupIds: [group.id], ...blank });
      expect(ref.placement?.warnings).toEqual([]);
      made.push(ref.placement!.hostId);
      expect((await finished(ref.jobId)).state).toBe('succeeded');
    }
    expect(made.sort()).toEqual(hosts.map((h) => h.id).sort());
    const members = (await engine.call('placement.groups.list', {})).groups.find((g) => g.id === group.id)!.members;
    expect(members.map((m) => m.name).sort()).toEqual([`fcpl-aa1-${tag}`, `fcpl-aa2-${tag}`]);

    const third = vmName('aa3');
    const e = await engine.call('vms.create', { name: third, memoryMiB: 64, affinityGroupIds: [group.id], ...blank }).then(
      () => {
        throw new Error('the third VM was placed');
      },
      (err: unknown) => HangarError.from(err),
    );
    expect(e.code).toBe('CONFLICT');
    const r = e.details?.['refusals'] as HostRefusal[];
    expect(r.map((x) => x.host).sort()).toEqual([h1.name, h2.name].sort());
    for (const x of r) expect(x.reasons.map((m) => m.key)).toContain('placement.why.antiAffinity');
    expect(e.message).toContain(`of the anti-affinity group fcpl-apart-${tag}`);

    await engine.call('placement.groups.update', { groupId: group.id, enforcement: 'soft' });
    const ref = await engine.call('vms.create', { name: third, memoryMiB: 64, affinityGroupIds: [group.id], ...blank });
    expect(ref.placement?.warnings.map((w) => w.key)).toEqual(['placement.warn.antiAffinity']);
    const job = await finished(ref.jobId);
    expect(job.state).toBe('succeeded');
    expect((job.result as { placement: { warnings: unknown[] } }).placement.warnings).toHaveLength(1);
    await engine.call('placement.groups.delete', { groupId: group.id });
  }, 180_000);
});
