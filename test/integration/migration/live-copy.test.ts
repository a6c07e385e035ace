/**
 * Issue 15: a running guest whose disk is in lab1's local `default` pool. With `storage: 'shared'`
 * it is refused, naming the disk, before any job; with `storage: 'copy'` its disk is copied with
 * the migration (NBD) into lab2's `default` pool, `qemu-img check` is clean there, and lab1's
 * volume is deleted with its definition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { sshExec, virsh } from '../../lab/lab-info';
import { domains, domstate, migLab, type MigLab } from './mig-lab';

describe('live migration with storage copy', () => {
  let L: MigLab;
  beforeAll(async () => {
    L = await migLab('copy');
  }, 180_000);
  afterAll(async () => {
    await L?.dispose();
  }, 120_000);

  it('a local-disk guest is refused with shared storage, naming the disk, and moves with storage copy', async () => {
    const g = await L.guest('local', { disk: 'local' });
    const check = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id });
    expect(check.blockers.map((b) => b.reason.key)).toEqual(['migration.block.localDisk']);
    expect(check.blockers[0]!.reason.args).toMatchObject({ disk: 'vda' });
    expect(check.disksToCopy).toMatchObject([{ target: 'vda', sourcePool: 'default', defaultPool: 'default' }]);
    const refused = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2) }).then(
      () => null,
      (e: unknown) => HangarError.from(e),
    );
    expect(refused?.code).toBe('CONFLICT');
    expect(refused?.message).toMatch(/disk vda .* is on storage only its host sees/);
    expect(L.jobs.size === 0 || [...L.jobs.values()].every((j) => j.kind !== 'vm.migrate')).toBe(true);

    const copyCheck = await L.engine.call('vms.migrateCheck', { vmId: g.vm.id, storage: 'copy' });
    expect(copyCheck.blockers).toEqual([]);
    expect(copyCheck.candidates.map((c) => c.host)).toContain(L.h2.name);

    const t0 = Date.now();
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2), storage: 'copy', diskPools: { vda: 'default' } });
    const job = await L.finished(ref.jobId);
    console.log(`[miglive] storage-copy live migration: ${Date.now() - t0} ms`);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.artifacts?.map((a) => `${a.kind}:${a.state}`).sort()).toEqual(['domain:done', 'volume:done']);
    expect(await domstate(L.h2, g.name)).toBe('running (migrated)');
    expect(await domains(L.h1)).not.toContain(g.name);

    const path = (await virsh(L.h2, ['vol-path', '--pool', 'default', g.volume!])).trim();
    const xml = await virsh(L.h2, ['dumpxml', g.name]);
    expect(xml).toContain(path);
    const check2 = await sshExec(L.h2, `qemu-img check -U '${path}'`);
    console.log(`[miglive] qemu-img check on ${L.h2.name}: ${check2.stdout.trim().split('\n').pop()}`);
    expect(check2.code).toBe(0);
    expect(check2.stdout).toMatch(/No errors were found/);
    // The source's copy went with its definition.
    const left = await sshExec(L.h1, `virsh vol-info --pool default '${g.volume!}'`);
    expect(left.code).not.toBe(0);
  }, 400_000);
});
