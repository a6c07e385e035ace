import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leftovers, type Job, type JobArtifact } from '../../../engine/contract';
import { EventHub } from '../../../engine/events/event-hub';
import { JobRepo } from '../../../engine/jobs/job-repo';
import { JobRunner } from '../../../engine/jobs/job-runner';
import { silentLogger } from '../../../engine/logger';
import { Db } from '../../../engine/store/db';

/** DESIGN §2: a job journals each artifact before creating it; an interrupted job says what it left. */
describe('the job journal (real SQLite in its worker)', () => {
  let dir: string;
  let db: Db;
  let runner: JobRunner;
  const open = async () => {
    db = await Db.open(path.join(dir, 'hangar.db'));
    runner = new JobRunner(new JobRepo(db), new EventHub(), silentLogger);
    await runner.init();
  };
  const until = async (jobId: string, pred: (j: Job) => boolean) => {
    for (let i = 0; i < 250; i++) {
      const j = runner.get(jobId);
      if (pred(j)) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${jobId} never reached the state: ${JSON.stringify(runner.get(jobId))}`);
  };
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-journal-'));
    await open();
  });
  afterEach(async () => {
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const vol = { kind: 'volume' as const, hostId: 'h1', pool: 'default', name: 'web-disk0.qcow2' };

  it('a job that succeeds hands what it made to its result: nothing is left over', async () => {
    const { jobId } = await runner.start({ kind: 'engine.selfTest', title: { key: 't' }, cancellable: true }, async (ctx) => {
      const a = await ctx.journal.artifact(vol);
      await a.created();
    });
    const job = await until(jobId, (j) => j.state === 'succeeded');
    expect(job.artifacts).toEqual([{ ...vol, id: '1', state: 'done' }]);
    expect(leftovers(job)).toEqual([]);
  });

  it('a failed job whose rollback worked leaves nothing; one whose rollback failed lists what it left', async () => {
    const ok = await runner.start({ kind: 'engine.selfTest', title: { key: 't' }, cancellable: true }, async (ctx) => {
      const a = await ctx.journal.artifact(vol);
      await a.created();
      await a.removed();
      throw new Error('boom');
    });
    expect(leftovers(await until(ok.jobId, (j) => j.state === 'failed'))).toEqual([]);
    const bad = await runner.start({ kind: 'engine.selfTest', title: { key: 't' }, cancellable: true }, async (ctx) => {
      await (await ctx.journal.artifact(vol)).created();
      throw new Error('host went away');
    });
    expect(leftovers(await until(bad.jobId, (j) => j.state === 'failed')).map((a) => a.name)).toEqual([vol.name]);
  });

  it('the journal is written before the artifact is asked for, and after a crash the job is interrupted with its leftovers; clean-up and keep resolve them', async () => {
    const never = new Promise<void>(() => undefined);
    const { jobId } = await runner.start({ kind: 'vm.create', title: { key: 'job.vm.create', args: { name: 'web' } }, cancellable: true }, async (ctx) => {
      await (await ctx.journal.artifact(vol)).created();
      await ctx.journal.artifact({ kind: 'domain', hostId: 'h1', name: 'web', uuid: 'u-1' });
      await never; // "the engine is killed" while the domain is being defined
    });
    await until(jobId, (j) => j.artifacts?.length === 2);
    // A crash: the process dies, nothing is closed. A new engine opens the same database.
    const crashed = db;
    await open();
    const job = runner.get(jobId);
    expect(job.state).toBe('interrupted');
    expect(job.cancellable).toBe(false);
    expect(leftovers(job).map((a) => [a.kind, a.name, a.state])).toEqual([
      ['volume', vol.name, 'created'],
      ['domain', 'web', 'creating'],
    ]);

    const cleaned: JobArtifact[] = [];
    runner.setCleaner(async (a) => {
      cleaned.push(a);
      if (a.kind === 'domain') throw new Error('host unreachable');
    });
    const { jobId: cleanupId } = await runner.cleanup(jobId);
    const cleanup = await until(cleanupId, (j) => j.state === 'failed');
    expect(cleanup.error?.message).toMatch(/unreachable/);
    expect(cleaned.map((a) => a.name)).toEqual([vol.name, 'web']);
    // The volume is gone, the domain is still listed: a second clean-up would retry only it.
    expect(leftovers(runner.get(jobId)).map((a) => a.name)).toEqual(['web']);
    expect(runner.get(jobId).cleanupJobId).toBe(cleanupId);

    await runner.keep(jobId);
    expect(leftovers(runner.get(jobId))).toEqual([]);
    expect(runner.get(jobId).artifacts?.map((a) => a.state)).toEqual(['removed', 'kept']);
    await expect(runner.cleanup(jobId)).rejects.toMatchObject({ code: 'CONFLICT' });

    // All of it is in SQLite, not just in memory.
    await db.close();
    await crashed.close();
    await open();
    expect(runner.get(jobId).artifacts?.map((a) => a.state)).toEqual(['removed', 'kept']);
  });
});

describe('the TaskLeftovers alert', () => {
  it('names the task and what it left, per host, and is gone once nothing is left', async () => {
    const { evaluate, fillText } = await import('../../../engine/diagnostics/health/evaluate');
    const { taskLeftovers } = await import('../../../engine/diagnostics/health/task-leftovers');
    const { CATALOGUE } = await import('../../../engine/diagnostics/health/catalogue');
    const job: Job = {
      id: 'j1', kind: 'vm.create', title: { key: 'job.vm.create', args: { name: 'web', host: 'lab1' } }, state: 'interrupted', progress: 0.05, step: null, cancellable: false,
      createdAt: 1, startedAt: 1, finishedAt: 2, error: null,
      artifacts: [
        { id: '1', kind: 'volume', hostId: 'h1', pool: 'default', name: 'web-disk0.qcow2', state: 'created' },
        { id: '2', kind: 'domain', hostId: 'h1', name: 'web', uuid: 'u', state: 'creating' },
        { id: '3', kind: 'volume', hostId: 'h1', pool: 'default', name: 'web-seed.iso', state: 'removed' },
      ],
    };
    const host = { id: 'h1', name: 'lab1', reachable: true, reachError: null, libvirtUp: true, libvirtError: null, kvm: true, libvirtVersion: '9', qemuVersion: '7', cpuModel: 'x', cpus: 4, memoryKiB: 8 << 20, clockOffsetSec: 0, pools: [], certs: [], kernelKvmErrors: [], outdatedQemu: [], vms: [] };
    const [f, ...rest] = evaluate({ now: 3, hosts: [host], migrationFailures: [], taskLeftovers: taskLeftovers([job]) });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ checkId: 'TaskLeftovers', severity: 'warning', hostId: 'h1', evidence: { task: 'vm.create web', items: 'default/web-disk0.qcow2, web', count: '2' } });
    const check = CATALOGUE.checks.find((c) => c.id === 'TaskLeftovers')!;
    expect(fillText(check.title.en, f!.evidence)).toBe('A task left 2 item(s) behind on lab1');
    expect(fillText(check.remediation.ko, f!.evidence)).not.toMatch(/\{\w+\}/);
    const kept = { ...job, artifacts: job.artifacts!.map((a) => ({ ...a, state: a.state === 'removed' ? a.state : ('kept' as const) })) };
    expect(evaluate({ now: 3, hosts: [host], migrationFailures: [], taskLeftovers: taskLeftovers([kept]) })).toEqual([]);
  });
});
