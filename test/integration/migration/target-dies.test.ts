/**
 * Issue 15, a fault mid-migration: the target's incoming QEMU (our own guest's, found by its exact
 * name) is killed while pre-copy runs. The job fails with a reason, the guest keeps running on
 * lab1 only, lab2 has no half-defined domain, and the job's journal says the target domain was removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExec, sshRun, waitFor } from '../../lab/lab-info';
import { domstate, migLab, type MigLab } from './mig-lab';

describe('the target QEMU dies mid-migration', () => {
  let L: MigLab;
  beforeAll(async () => {
    L = await migLab('dies');
  }, 180_000);
  afterAll(async () => {
    await L?.dispose();
  }, 120_000);

  it('fails with a reason; the guest runs on lab1 only and nothing is left on lab2', async () => {
    const g = await L.guest('dies', { disk: 'shared' });
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2), bandwidthMiBs: 1 });
    await waitFor('pre-copy under way', async () => {
      const m = L.jobs.get(ref.jobId)?.migration;
      return m?.phase === 'precopy' && (m.dataTotal ?? 0) > 0;
    }, 60_000, 100);
    // Only the incoming QEMU of this guest: its command line names it exactly and waits with -incoming
    // (lab hosts share the machine's process table, so the source's QEMU is visible too).
    const pid = (await sshRun(L.h2, `pgrep -f -- 'guest=${g.name},.* -incoming ' | head -n 1`)).trim();
    expect(pid).toMatch(/^\d+$/);
    await sshRun(L.h2, `kill -9 ${pid}`);
    const job = await L.finished(ref.jobId, 60_000);
    console.log(`[miglive] after the target QEMU was killed: ${job.state}: ${job.error?.message ?? ''}`);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/The migration of .* failed/);
    expect(await domstate(L.h1, g.name)).toMatch(/^running/);
    expect(await domstate(L.h2, g.name)).toBeNull();
    expect((await sshExec(L.h1, `virsh domjobinfo '${g.name}'`)).stdout).toMatch(/Job type:\s+None/);
    expect(job.artifacts?.filter((a) => a.kind === 'domain').map((a) => a.state)).toEqual(['removed']);
    // And it can go again.
    const again = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2) });
    expect((await L.finished(again.jobId)).state).toBe('succeeded');
    expect(await domstate(L.h2, g.name)).toBe('running (migrated)');
  }, 300_000);
});
