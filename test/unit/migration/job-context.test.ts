/**
 * What the migration asks of the job runner: its figures published with the job, Cancel gone after
 * the switch to post-copy, and the vm.migrate limits read from a setting that can change while
 * jobs wait (real runner over real SQLite).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINAL_JOB_STATES, type Job, type MigrationStats } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { EventHub } from '../../../engine/events/event-hub';
import { JobRepo } from '../../../engine/jobs/job-repo';
import { JobRunner, type JobContext } from '../../../engine/jobs/job-runner';
import { silentLogger } from '../../../engine/logger';
import { Db } from '../../../engine/store/db';

const stats: MigrationStats = { phase: 'precopy', sourceHostId: 'a', targetHostId: 'b', dataTotal: 100, dataRemaining: 40, transferRate: 1, dirtyRate: 0, iteration: 1, expectedDowntime: 300, bandwidthMiBs: 1, diskTotal: null, diskRemaining: null };

describe('the job context of a migration', () => {
  let dir: string;
  let db: Db;
  let runner: JobRunner;
  const until = async (jobId: string, pred: (j: Job) => boolean, ms = 5000) => {
    for (let i = 0; i < ms / 20; i++) {
      const j = runner.get(jobId);
      if (pred(j)) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${jobId} never got there: ${JSON.stringify(runner.get(jobId))}`);
  };
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-migctx-'));
    db = await Db.open(path.join(dir, 'hangar.db'));
    runner = new JobRunner(new JobRepo(db), new EventHub(), silentLogger);
    await runner.init();
    await runner.resumePending();
  });
  afterEach(async () => {
    await runner.close();
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('publishes the figures with the job, and after uncancellable() a cancel is refused', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ref = await runner.start({ kind: 'vm.migrate', title: { key: 'job.vm.migrate', args: { name: 'web', host: 'b' } }, target: { kind: 'vm', id: 'u1' }, hostId: 'a', cancellable: true }, async (ctx: JobContext) => {
      ctx.migration(stats);
      ctx.uncancellable();
      await held;
      return 'moved';
    });
    const j = await until(ref.jobId, (x) => x.migration !== undefined && !x.cancellable);
    expect(j.migration).toEqual(stats);
    await expect(runner.cancel(ref.jobId)).rejects.toThrow(HangarError);
    release();
    expect((await until(ref.jobId, (x) => FINAL_JOB_STATES.includes(x.state))).state).toBe('succeeded');
  });

  it('limits come from the setting, and a change lets the waiting jobs start', async () => {
    let perHost = 1;
    runner.setLimits('vm.migrate', () => ({ perHost, fleet: 5 }));
    const gates: (() => void)[] = [];
    const start = (id: string) =>
      runner.start({ kind: 'vm.migrate', title: { key: 'job.vm.migrate', args: { name: id, host: 'b' } }, target: { kind: 'vm', id }, hostId: 'a', cancellable: true }, () => new Promise((r) => gates.push(() => r(id))));
    const [a, b] = [await start('v1'), await start('v2')];
    await until(a.jobId, (x) => x.state === 'running');
    expect((await until(b.jobId, (x) => x.waitingFor !== undefined)).waitingFor).toEqual({ reason: 'limit', scope: 'host', limit: 1 });
    perHost = 2;
    runner.limitsChanged();
    await until(b.jobId, (x) => x.state === 'running');
    for (const g of gates) g();
  });
});
