/**
 * Issue 15: a stopped VM moves offline. Its definition goes to lab2 with the same UUID, its disk
 * in lab1's local pool is streamed through the engine into lab2's pool (sha256-verified), and
 * lab1 keeps neither the definition nor the volume. A stopped VM on the shared pool moves its
 * definition only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExec, virsh } from '../../lab/lab-info';
import { domains, domstate, migLab, type MigLab } from './mig-lab';

describe('offline move of a stopped VM', () => {
  let L: MigLab;
  beforeAll(async () => {
    L = await migLab('offline');
  }, 180_000);
  afterAll(async () => {
    await L?.dispose();
  }, 120_000);

  it('moves a stopped VM with a local disk: definition (same UUID) and disk to lab2, nothing left on lab1', async () => {
    const g = await L.guest('off', { disk: 'local', start: false });
    await virsh(L.h1, ['autostart', g.name]);
    const sum1 = (await sshExec(L.h1, `sha256sum "$(virsh vol-path --pool default '${g.volume!}')"`)).stdout.split(/\s+/)[0];
    const uuid = (await virsh(L.h1, ['domuuid', g.name])).trim();
    const check = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id });
    expect(check.live).toBe(false);
    expect(check.blockers).toEqual([]);
    expect(check.disksToCopy.map((d) => d.target)).toEqual(['vda']);

    const t0 = Date.now();
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2) });
    const job = await L.finished(ref.jobId);
    console.log(`[miglive] offline move with a 64 MiB disk: ${Date.now() - t0} ms`);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.migration?.phase).toBe('offline');
    expect(await domstate(L.h2, g.name)).toMatch(/^shut off/);
    expect((await virsh(L.h2, ['domuuid', g.name])).trim()).toBe(uuid);
    expect(await virsh(L.h2, ['dominfo', g.name])).toMatch(/Autostart:\s+enable/);
    expect(await domains(L.h1)).not.toContain(g.name);
    const path2 = (await virsh(L.h2, ['vol-path', '--pool', 'default', g.volume!])).trim();
    expect(await virsh(L.h2, ['dumpxml', g.name])).toContain(path2);
    expect((await sshExec(L.h2, `sha256sum '${path2}'`)).stdout.split(/\s+/)[0]).toBe(sum1);
    expect((await sshExec(L.h1, `virsh vol-info --pool default '${g.volume!}'`)).code).not.toBe(0);
    // It starts on its new host.
    await virsh(L.h2, ['start', g.name]);
    expect(await domstate(L.h2, g.name)).toMatch(/^running/);
  }, 300_000);

  it('keepSource leaves the stopped VM defined on lab1 (and its disk on the shared pool)', async () => {
    const g = await L.guest('offkeep', { disk: 'shared', start: false });
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2), keepSource: true });
    const job = await L.finished(ref.jobId);
    expect(job.error).toBeNull();
    expect(job.artifacts?.map((a) => a.kind)).toEqual(['domain']);
    expect(await domstate(L.h2, g.name)).toMatch(/^shut off/);
    expect(await domstate(L.h1, g.name)).toMatch(/^shut off/);
    expect((await sshExec(L.h1, `virsh vol-info --pool shared '${g.volume!}'`)).code).toBe(0);
  }, 300_000);
});
