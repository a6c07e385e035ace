import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HangarError, type HostFacts, type HostRefusal, type Job } from '../../../engine/contract';
import { silentLogger } from '../../../engine/logger';
import { placedVm } from '../../../engine/placement/capacity';
import { english } from '../../../engine/placement/english';
import { PlacementRepo } from '../../../engine/placement/placement-repo';
import { PlacementService } from '../../../engine/placement/placement-service';
import type { PlacedVm, PlacementHost } from '../../../engine/placement/request';
import { Db } from '../../../engine/store/db';

const GiB = 1024 * 1024; // KiB

function facts(memoryKiB: number, cpus = 4): HostFacts {
  return {
    hostname: 'h',
    libvirtVersion: '10.0.0',
    hypervisorVersion: '8.2.0',
    kvm: true,
    cpuModel: 'Skylake',
    cpus,
    memoryKiB,
    pools: [{ name: 'default', active: true, capacity: 1e12, allocation: 0, available: 1e12 }],
    networks: [{ name: 'default' }],
    socket: '/run/libvirt/libvirt-sock',
    via: 'stream-local',
  };
}

const host = (id: string, extra: Partial<PlacementHost> = {}): PlacementHost => ({ id, name: id.toUpperCase(), state: 'connected', tags: [], facts: facts(4 * GiB), ...extra });

/** Placement on a real SQLite database (its worker, its migrations): reservations are rows. */
describe('placement', () => {
  let dir: string;
  let db: Db;
  let hosts: PlacementHost[];
  let vms: PlacedVm[];
  let volumes: Record<string, string[]>;
  const jobs = new Map<string, Job['state']>();
  let svc: PlacementService;

  const make = async () => {
    const s = new PlacementService({
      repo: new PlacementRepo(db),
      hosts: () => hosts,
      vms: () => vms,
      hasVolume: async (hostId, ref) => (volumes[hostId] ?? []).includes(`${ref.pool}/${ref.volume}`),
      defaultStrategy: () => 'spread',
      jobState: (id) => jobs.get(id),
      logger: silentLogger,
    });
    await s.init();
    return s;
  };
  const refusalOf = async (p: Promise<unknown>): Promise<HostRefusal[]> => {
    const e = await p.then(
      () => {
        throw new Error('placed, but a refusal was expected');
      },
      (err: unknown) => HangarError.from(err),
    );
    expect(e.code).toBe('CONFLICT');
    return e.details?.['refusals'] as HostRefusal[];
  };
  const reasonKeys = (r: HostRefusal[], hostId: string) => r.find((x) => x.hostId === hostId)?.reasons.map((m) => m.key);
  const rows = async () => (await db.all<{ n: number }>('SELECT count(*) AS n FROM placement_reservations'))[0]!.n;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-placement-'));
    db = await Db.open(path.join(dir, 'hangar.db'));
    hosts = [host('a'), host('b')];
    vms = [];
    volumes = {};
    jobs.clear();
    svc = await make();
  });
  afterEach(async () => {
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('capacity is physical × ratio − host reserve − running VMs − reservations, for memory and vCPUs', async () => {
    await svc.setHostSettings('a', { memoryRatio: 1.5, memoryReserveMiB: 1024, cpuRatio: 2 });
    vms = [
      { uuid: 'u1', name: 'run', hostId: 'a', memoryMiB: 512, vcpus: 2, active: true },
      { uuid: 'u2', name: 'off', hostId: 'a', memoryMiB: 2048, vcpus: 2, active: false },
    ];
    await svc.place({ memoryMiB: 256, vcpus: 1, onlyHostIds: ['a'] }, 'new');
    const a = (await svc.capacity()).find((c) => c.hostId === 'a')!;
    expect(a.memory).toEqual({ physical: 4096, allocatable: 4096 * 1.5 - 1024, committed: 512, reserved: 256, free: 5120 - 512 - 256 });
    expect(a.vcpus).toEqual({ physical: 4, allocatable: 8, committed: 2, reserved: 1, free: 5 });
  });

  it('six parallel 400 MiB requests on two hosts with 1 GiB allocatable each: exactly four fit, each refusal names both hosts', async () => {
    // 4 GiB × 0.25 = 1 GiB allocatable per host.
    for (const h of ['a', 'b']) await svc.setHostSettings(h, { memoryRatio: 0.25 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => svc.place({ memoryMiB: 400, vcpus: 1 }, `vm${i}`)));
    const placed = results.filter((r) => r.status === 'fulfilled');
    expect(placed).toHaveLength(4);
    // Spread: two on each.
    expect(placed.map((r) => (r as PromiseFulfilledResult<{ host: PlacementHost }>).value.host.id).sort()).toEqual(['a', 'a', 'b', 'b']);
    expect(await rows()).toBe(4);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      const refusals = HangarError.from((r as PromiseRejectedResult).reason).details?.['refusals'] as HostRefusal[];
      expect(refusals.map((x) => x.host).sort()).toEqual(['A', 'B']);
      for (const x of refusals) expect(x.reasons).toEqual([{ key: 'placement.why.memory', args: { host: x.host, need: 400, free: 224, allocatable: 1024, committed: 0, reserved: 800 } }]);
      expect(HangarError.from((r as PromiseRejectedResult).reason).message).toContain('A has 224 MiB of memory free, the VM needs 400 MiB');
    }
  });

  it('a reservation lasts until its job ends, and a restart drops those of jobs that no longer run', async () => {
    const p1 = await svc.place({ memoryMiB: 100, vcpus: 1 }, 'one');
    const p2 = await svc.place({ memoryMiB: 100, vcpus: 1 }, 'two');
    await svc.place({ memoryMiB: 100, vcpus: 1 }, 'unbound');
    await p1.bind('job-1');
    await p2.bind('job-2');
    await db.run("INSERT INTO jobs(id, kind, title, state, cancellable, created_at) VALUES ('job-2', 'vm.create', '{}', 'running', 1, 0)");
    expect(await rows()).toBe(3);
    svc.onJob({ id: 'job-1', state: 'succeeded' } as Job);
    await new Promise((r) => setTimeout(r, 50));
    expect(await rows()).toBe(2);
    // A job that ended before its reservation was bound releases it at the bind.
    jobs.set('job-3', 'failed');
    await (await svc.place({ memoryMiB: 100, vcpus: 1 }, 'quick')).bind('job-3');
    expect(await rows()).toBe(2);
    // Restart: the unbound one (its request belonged to the previous run) goes; job-2 still runs.
    await make();
    expect(await db.all('SELECT vm_name FROM placement_reservations')).toEqual([{ vm_name: 'two' }]);
  });

  it('filters: each host refused says why, in words', async () => {
    hosts = [
      host('off', { state: 'unreachable' }),
      host('maint', { maintenance: 'preparing' }),
      host('untagged'),
      host('tainted', { tags: ['ssd', 'gpu'] }),
      host('nopool', { tags: ['ssd'], facts: { ...facts(4 * GiB), pools: [], networks: [] } }),
      host('novol', { tags: ['ssd'] }),
      host('small', { tags: ['ssd'], facts: facts(4 * GiB, 1) }),
    ];
    await svc.setHostSettings('tainted', { taints: ['gpu'] });
    volumes = { maint: ['default/base.qcow2'], untagged: ['default/base.qcow2'], tainted: ['default/base.qcow2'], small: ['default/base.qcow2'] };
    const r = await refusalOf(svc.place({ memoryMiB: 128, vcpus: 2, pool: 'default', network: 'default', volumes: [{ pool: 'default', volume: 'base.qcow2' }], requiredTags: ['ssd'] }, 'x'));
    expect(reasonKeys(r, 'off')).toEqual(['placement.why.notConnected']);
    expect(reasonKeys(r, 'maint')).toEqual(['placement.why.maintenance', 'placement.why.missingTags']);
    expect(reasonKeys(r, 'untagged')).toEqual(['placement.why.missingTags']);
    expect(reasonKeys(r, 'tainted')).toEqual(['placement.why.tainted']);
    expect(reasonKeys(r, 'nopool')).toEqual(['placement.why.noPool', 'placement.why.noNetwork', 'placement.why.noVolume']);
    expect(reasonKeys(r, 'novol')).toEqual(['placement.why.noVolume']);
    expect(reasonKeys(r, 'small')).toEqual(['placement.why.moreVcpusThanCpus']);
    expect(english(r.find((x) => x.hostId === 'tainted')!.reasons[0]!)).toBe('TAINTED is kept for VMs that ask for gpu');
    // The tainted host takes a VM that asks for its tag.
    const ok = await svc.place({ memoryMiB: 128, vcpus: 1, requiredTags: ['ssd', 'gpu'] }, 'y');
    expect(ok.host.id).toBe('tainted');
  });

  it('spread goes where most stays free; pack fills the fuller host first', async () => {
    vms = [{ uuid: 'u', name: 'busy', hostId: 'a', memoryMiB: 2048, vcpus: 1, active: true }];
    expect((await svc.place({ memoryMiB: 256, vcpus: 1 }, 's')).host.id).toBe('b');
    expect((await svc.place({ memoryMiB: 256, vcpus: 1, strategy: 'pack' }, 'p')).host.id).toBe('a');
  });

  it('anti-affinity: a hard rule refuses the third of three VMs over two hosts; a soft one places it with a warning', async () => {
    const hard = await svc.createGroup({ name: 'dc', kind: 'antiAffinity', enforcement: 'hard', description: '' });
    // Two members in flight (reserved) count as much as members that run.
    const one = await svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [hard.id] }, 'dc1');
    const two = await svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [hard.id] }, 'dc2');
    expect([one.host.id, two.host.id].sort()).toEqual(['a', 'b']);
    const r = await refusalOf(svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [hard.id] }, 'dc3'));
    expect(r.map((x) => x.reasons[0]!.key)).toEqual(['placement.why.antiAffinity', 'placement.why.antiAffinity']);
    expect(english(r[0]!.reasons[0]!)).toBe('A already runs dc1 of the anti-affinity group dc');

    await svc.updateGroup({ id: hard.id, enforcement: 'soft' });
    const three = await svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [hard.id] }, 'dc3');
    expect(three.outcome.warnings.map((w) => w.key)).toEqual(['placement.warn.antiAffinity']);
  });

  it('anti-affinity counts members by UUID where they are; affinity keeps a VM with its group', async () => {
    vms = [{ uuid: 'u-web1', name: 'web1', hostId: 'a', memoryMiB: 128, vcpus: 1, active: false }];
    const anti = await svc.createGroup({ name: 'web', kind: 'antiAffinity', enforcement: 'hard', description: '' });
    await svc.addMember(anti.id, { uuid: 'u-web1', name: 'web1' });
    expect((await svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [anti.id], strategy: 'pack' }, 'web2')).host.id).toBe('b');
    // Moving web1 itself: it does not repel itself.
    expect((await svc.place({ memoryMiB: 128, vcpus: 1, vmUuid: 'u-web1', excludeHostIds: ['b'] }, 'web1')).host.id).toBe('a');

    const together = await svc.createGroup({ name: 'app-db', kind: 'affinity', enforcement: 'hard', description: '' });
    vms.push({ uuid: 'u-db', name: 'db', hostId: 'b', memoryMiB: 128, vcpus: 1, active: true });
    await svc.addMember(together.id, { uuid: 'u-db', name: 'db' });
    expect((await svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [together.id] }, 'app')).host.id).toBe('b');
    const r = await refusalOf(svc.place({ memoryMiB: 128, vcpus: 1, affinityGroupIds: [together.id], excludeHostIds: ['b'] }, 'app2'));
    expect(english(r.find((x) => x.hostId === 'a')!.reasons[0]!)).toBe('the affinity group app-db keeps its VMs on B, not A');

    // Deleting a group lets its members go (seed 000 L329): the rule no longer applies.
    await svc.deleteGroup(anti.id);
    expect(svc.groups().map((g) => g.name)).toEqual(['app-db']);
    await expect(svc.place({ memoryMiB: 1, vcpus: 1, affinityGroupIds: [anti.id] }, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('host settings and groups are kept in SQLite across a restart', async () => {
    await svc.setHostSettings('a', { memoryRatio: 2, taints: ['gpu'] });
    await svc.createGroup({ name: 'g', kind: 'affinity', enforcement: 'soft', description: 'd' });
    const again = await make();
    expect(again.hostSettings('a')).toEqual({ hostId: 'a', memoryRatio: 2, cpuRatio: 10, memoryReserveMiB: 0, taints: ['gpu'] });
    expect(again.groups()).toMatchObject([{ name: 'g', kind: 'affinity', enforcement: 'soft', description: 'd', members: [] }]);
    await expect(again.createGroup({ name: 'g', kind: 'affinity', enforcement: 'hard', description: '' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('placedVm: what a VM holds as placement counts it', () => {
  const vm = { uuid: 'u', name: 'a', hostId: 'h', memoryKiB: 65536, vcpus: 2 };
  it('counts running VMs and truly unknown states, not stopped ones', () => {
    expect(placedVm({ ...vm, state: 'running', lastSeen: null })).toMatchObject({ memoryMiB: 64, vcpus: 2, active: true });
    expect(placedVm({ ...vm, state: 'unknown', lastSeen: null }).active).toBe(true);
    expect(placedVm({ ...vm, state: 'stopped', lastSeen: null }).active).toBe(false);
  });
  it('counts a last-known copy as it was last seen (a host reconnecting after a restart)', () => {
    expect(placedVm({ ...vm, state: 'unknown', lastSeen: { at: 1, state: 'stopped' } }).active).toBe(false);
    expect(placedVm({ ...vm, state: 'unknown', lastSeen: { at: 1, state: 'running' } }).active).toBe(true);
  });
});
