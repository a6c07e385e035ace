/**
 * Issue 14, Identity (DESIGN §8): a VM is its libvirt UUID across the fleet. A running guest is
 * live-migrated with `virsh migrate` on the lab host, behind Hangar's back; through the engine it
 * keeps its id, its chart's series has points from both hosts, its history spans both hosts, and an
 * alert raised on it before the move is the same alert after it. The copy the migration leaves on the
 * first host is listed as an inactive copy of the one VM, never as a second VM.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionFeed, Vm } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { labEngine } from './lab-engine';
import { defineDomain, labTimeouts, readLabInfo, readSerialLog, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost];
const NAME = `fcid-${crypto.randomBytes(3).toString('hex')}`;

describe.skipIf(lab.hosts.length < 2)('a VM keeps its identity when it moves between hosts', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;

  beforeAll(async () => {
    // No guest agent channel: the health check GuestAgentMissing raises an alert on this VM.
    await defineDomain(h1, testGuestXml({ name: NAME, memoryMiB: 192, agent: false, network: null, lab }));
    t = await labEngine(lab, 'fc-identity');
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
    for (const h of [h1, h2]) await sshRun(h, `virsh domjobabort ${NAME} >/dev/null 2>&1; virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`).catch(() => undefined);
  });

  it('keeps its id, series, history and alert across a `virsh migrate --live` behind Hangar\'s back', async () => {
    const engine = t!.engine;
    await engine.call('settings.update', { metricsIntervalSec: 1 });
    const add = (h: LabHost) => engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint });
    const host1 = await add(h1);
    const host2 = await add(h2);
    const uuid = (await virsh(h1, ['domuuid', NAME])).trim();

    const vm0 = await waitFor('the VM in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === NAME), 30_000, 100);
    expect(vm0.id).toBe(uuid);
    expect(vm0.hostId).toBe(host1.id);

    // Started through Hangar on the first host: a task and lifecycle events in its history there.
    const { jobs } = await engine.call('vms.action', { vmIds: [uuid], action: 'start' });
    await waitFor('the start task', async () => (await engine.call('jobs.get', { jobId: jobs[0]!.jobId })).state === 'succeeded', 60_000, 200);
    await waitFor('the guest to boot', async () => (await readSerialLog(h1, NAME)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);

    // Never a moment without the VM, never a second VM for the same UUID.
    const removed: string[] = [];
    const hostsSeen = new Set<string>();
    engine.subscribe('vms', {}, (feed: CollectionFeed<Vm>) => {
      if (feed.kind !== 'delta') return;
      removed.push(...feed.remove);
      for (const v of feed.upsert) if (v.id === uuid) hostsSeen.add(v.hostId);
    });

    const series = async () => {
      const q = await engine.call('metrics.query', { target: { kind: 'vm', vmId: uuid }, from: Date.now() - 15 * 60_000, maxPoints: 5000 });
      return q.groups.find((g) => g.kind === 'vm')?.t ?? [];
    };
    await waitFor('points before the move', async () => (await series()).length >= 3, 30_000, 250);

    const alert = await waitFor(
      'the alert on the VM',
      async () => {
        await engine.call('health.run', {});
        return (await engine.call('alerts.list', { vmId: uuid })).alerts.find((a) => a.checkId === 'GuestAgentMissing');
      },
      30_000,
      1000,
    );
    expect(alert.hostId).toBe(host1.id);

    // Behind Hangar's back; --persistent without --undefinesource leaves an inactive copy on lab1.
    const movedAt = Date.now();
    const migrate = await sshExec(h1, `virsh migrate --live --persistent ${NAME} qemu+ssh://${h2.address}/system`, { timeoutMs: labTimeouts(lab).migrateMs });
    expect(migrate.code, migrate.stderr).toBe(0);

    const moved = await waitFor(
      'the VM shown on lab2, running',
      async () => {
        const v = (await engine.call('vms.list', {})).vms.find((x) => x.id === uuid);
        return v?.hostId === host2.id && v.state === 'running' && v.otherCopies.length === 1 && v.otherCopies[0]!.state === 'stopped' ? v : undefined;
      },
      30_000,
      100,
    );
    expect(moved.otherCopies).toEqual([{ hostId: host1.id, state: 'stopped' }]);
    expect((await engine.call('vms.list', {})).vms.filter((v) => v.name === NAME)).toHaveLength(1);
    expect(removed).not.toContain(uuid);
    expect([...hostsSeen]).toContain(host2.id);

    // The chart's series continues under the same id, with points from the new host.
    const after = await waitFor('points after the move', async () => {
      const ts = await series();
      return ts.filter((x) => x > movedAt + 2000).length >= 3 ? ts : undefined;
    }, 30_000, 250);
    expect(after.some((x) => x < movedAt)).toBe(true);

    // Its history spans both hosts: the start on lab1, the arrival on lab2.
    const events = await waitFor('events from lab2', async () => {
      const e = (await engine.call('events.list', { vmId: uuid, limit: 200 })).events;
      return e.some((x) => x.hostId === host2.id) ? e : undefined;
    }, 15_000, 250);
    expect(events.some((x) => x.hostId === host1.id)).toBe(true);
    expect(events.every((x) => x.vmUuid === uuid)).toBe(true);

    // The alert is the same alert: same id, first seen before the move, now where the VM runs.
    await engine.call('health.run', {});
    const still = (await engine.call('alerts.list', { vmId: uuid })).alerts.find((a) => a.checkId === 'GuestAgentMissing');
    expect(still?.id).toBe(alert.id);
    expect(still?.firstSeen).toBe(alert.firstSeen);
    expect(still?.hostId).toBe(host2.id);
    // Two copies, one running: no split-brain alert.
    expect((await engine.call('alerts.list', { vmId: uuid })).alerts.some((a) => a.checkId === 'DomainOnTwoHosts')).toBe(false);

    // Starting the copy left on lab1 too is split brain: the VM says so and so do the alerts.
    await virsh(h1, ['start', NAME]);
    const twice = await waitFor('both copies running', async () => {
      const v = (await engine.call('vms.list', {})).vms.find((x) => x.id === uuid);
      return v && v.otherCopies.some((c) => c.state === 'running') ? v : undefined;
    }, 30_000, 100);
    expect(twice.hostId).toBe(host2.id); // still shown where it was
    await waitFor('the split-brain alert', async () => (await engine.call('alerts.list', { vmId: uuid })).alerts.filter((a) => a.checkId === 'DomainOnTwoHosts').length === 2, 30_000, 500);
    await virsh(h1, ['destroy', NAME]);
  }, 300_000);
});
