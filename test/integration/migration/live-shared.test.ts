/**
 * Issue 15: a running guest whose disk is on the shared pool moves lab1 → lab2 through Hangar's
 * client-managed flow. Checked with virsh on both hosts: running (migrated) on lab2, gone from lab1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateResult } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { defineDomain, sshRun, testGuestXml, virsh } from '../../lab/lab-info';
import { domains, domstate, migLab, type MigLab } from './mig-lab';

describe('live migration over shared storage', () => {
  let L: MigLab;
  beforeAll(async () => {
    L = await migLab('shared');
  }, 180_000);
  afterAll(async () => {
    await L?.dispose();
  }, 120_000);

  it('pre-flight lists lab2 as a candidate, then the guest moves lab1 → lab2 and is gone from lab1', async () => {
    const g = await L.guest('shared', { disk: 'shared' });
    const check = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id });
    expect(check.live).toBe(true);
    expect(check.blockers).toEqual([]);
    expect(check.candidates.map((c) => c.host)).toContain(L.h2.name);
    expect(check.disksToCopy).toEqual([]);

    const t0 = Date.now();
    // No host asked for: placement chooses (the engine knows lab1 and lab2 only) and holds the memory there.
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id });
    expect(ref.placement?.host).toBe(L.h2.name);
    const job = await L.finished(ref.jobId);
    console.log(`[miglive] shared live migration ${L.h1.name} → ${L.h2.name}: ${Date.now() - t0} ms, downtime ${(job.result as MigrateResult | undefined)?.downtimeMs ?? '?'} ms`);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.migration?.targetHostId).toBe(L.hostId(L.h2));
    expect((job.result as MigrateResult).downtimeMs).toBeGreaterThan(0);
    expect(await domstate(L.h2, g.name)).toBe('running (migrated)');
    expect(await domains(L.h1)).not.toContain(g.name);
    // The target keeps it defined (persistent), and the VM keeps its id.
    expect((await domstate(L.h2, g.name)) !== null).toBe(true);
    const vm = await L.vmOn(g.name);
    expect(vm.id).toBe(g.vm.id);
  }, 300_000);

  it('the same UUID running on the target is refused before anything moves, and asking for the host it is on is refused', async () => {
    const g = await L.guest('dup');
    const twin = `${g.name}-twin`;
    const uuid = (await virsh(L.h1, ['domuuid', g.name])).trim();
    try {
      await defineDomain(L.h2, testGuestXml({ name: twin, uuid, network: null, lab: L.lab }), { lab: L.lab });
      await virsh(L.h2, ['start', twin]);
      const check = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id, hostId: L.hostId(L.h2) });
      expect(check.candidates).toEqual([]);
      expect(check.refused.find((r) => r.host === L.h2.name)?.reasons).toContainEqual({ key: 'migration.why.uuidActive', args: { host: L.h2.name } });
      await expect(L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2) })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h1) })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect([...L.jobs.values()].filter((j) => j.kind === 'vm.migrate' && j.target?.id === g.vm.id)).toEqual([]);
    } finally {
      await sshRun(L.h2, `virsh destroy '${twin}' >/dev/null 2>&1; virsh undefine '${twin}' >/dev/null 2>&1; true`);
    }
  }, 300_000);

  it('a CD-ROM image only lab1 has refuses lab2, naming the image, before any job', async () => {
    const g = await L.guest('iso', { start: false });
    const iso = `${g.name}.iso`;
    await virsh(L.h1, ['vol-create-as', 'default', iso, '1M', '--format', 'raw']);
    const isoPath = (await virsh(L.h1, ['vol-path', '--pool', 'default', iso])).trim();
    try {
      await virsh(L.h1, ['attach-disk', g.name, isoPath, 'sdb', '--type', 'cdrom', '--mode', 'readonly', '--config']);
      const check = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id });
      expect(check.candidates).toEqual([]);
      const lab2 = check.refused.find((r) => r.host === L.h2.name)!;
      expect(lab2.reasons).toContainEqual({ key: 'migration.why.missing.cdrom', args: { host: L.h2.name, path: isoPath, disk: 'sdb' } });
      const e = await L.engine.call('vms.migrate', { vmId: g.vm.id }).then(() => null, (x: unknown) => HangarError.from(x));
      expect(e?.code).toBe('CONFLICT');
      expect(e?.message).toContain(`${L.h2.name} does not have the CD-ROM image ${isoPath} (sdb)`);
    } finally {
      await virsh(L.h1, ['vol-delete', '--pool', 'default', iso]).catch(() => undefined);
    }
  }, 300_000);
});
