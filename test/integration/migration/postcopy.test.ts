/**
 * Issue 15, post-copy mode: a guest that keeps dirtying memory, migrated at a low bandwidth with
 * post-copy after 1 iteration (2 MiB/s: pre-copy cannot converge even when the machine is busy and
 * the guest dirties slowly), switches (the job's result says so) and completes on lab2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeOnSerial, waitFor } from '../../lab/lab-info';
import { domains, domstate, migLab, type MigLab } from './mig-lab';

describe('post-copy', () => {
  let L: MigLab;
  beforeAll(async () => {
    L = await migLab('postcopy');
  }, 180_000);
  afterAll(async () => {
    await L?.dispose();
  }, 120_000);

  it('switches to post-copy after the iterations asked for, and completes on lab2', async () => {
    const g = await L.guest('pc', { disk: 'shared' });
    // 48 MiB in tmpfs rewritten over and over: pre-copy alone would chase it.
    await typeOnSerial(L.h1, g.name, 'mkdir -p /dev/shm; (while true; do dd if=/dev/urandom of=/dev/shm/dirty bs=1M count=48 2>/dev/null; done) &');
    const ref = await L.engine.call('vms.migrate', { vmId: g.vm.id, hostId: L.hostId(L.h2), mode: 'postcopy', postcopyAfterIterations: 1, bandwidthMiBs: 2 });
    const phases = new Set<string>();
    let cancellableInPostcopy: boolean | null = null;
    const job = await waitFor('the post-copy migration to end', async () => {
      const j = L.jobs.get(ref.jobId);
      if (j?.migration) phases.add(j.migration.phase);
      if (j?.migration?.phase === 'postcopy' && j.state === 'running') cancellableInPostcopy = j.cancellable;
      return j && j.state !== 'running' && j.state !== 'queued' ? j : undefined;
    }, 240_000, 100);
    console.log(`[miglive] post-copy phases seen: ${[...phases].join(' → ')}; iteration ${job.migration?.iteration ?? '?'}`);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    // The switch is in the result: the post-copy phase itself may be over between two looks.
    expect((job.result as { postcopy?: boolean }).postcopy).toBe(true);
    // Past the switch there is no going back: Cancel is gone (checked where a look caught the phase).
    if (phases.has('postcopy')) expect(cancellableInPostcopy).toBe(false);
    expect(await domstate(L.h2, g.name)).toMatch(/^running/);
    expect(await domains(L.h1)).not.toContain(g.name);
  }, 300_000);
});
