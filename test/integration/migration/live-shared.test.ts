/**
 * Issue 15: a running guest whose disk is on the shared pool moves lab1 → lab2 through Hangar's
 * client-managed flow. Checked with virsh on both hosts: running (migrated) on lab2, gone from lab1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateResult } from '../../../engine/contract';
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
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2) });
    const job = await L.finished(ref.jobId);
    console.log(`[miglive] shared live migration ${L.h1.name} → ${L.h2.name}: ${Date.now() - t0} ms, downtime ${(job.result as MigrateResult | undefined)?.downtimeMs ?? '?'} ms`);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.migration?.targetHostId).toBe(L.hostId(L.h2));
    expect(await domstate(L.h2, g.name)).toBe('running (migrated)');
    expect(await domains(L.h1)).not.toContain(g.name);
    // The target keeps it defined (persistent), and the VM keeps its id.
    expect((await domstate(L.h2, g.name)) !== null).toBe(true);
    const vm = await L.vmOn(g.name);
    expect(vm.id).toBe(g.vm.id);
  }, 300_000);

  it('the same UUID running on the target is refused before anything moves', async () => {
    const g = await L.guest('dup', { disk: 'shared' });
    // Moving it to the host it is on is refused; asking for lab2 where it does not run is fine.
    const check = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id, hostId: L.hostId(L.h2) });
    expect(check.candidates.map((c) => c.host)).toEqual([L.h2.name]);
    await expect(L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h1) })).rejects.toMatchObject({ code: 'CONFLICT' });
  }, 300_000);
});
