import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINAL_JOB_STATES, type Job, type JobTarget } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { EventHub } from '../../../engine/events/event-hub';
import { JobRepo } from '../../../engine/jobs/job-repo';
import { JobRunner, type JobContext, type JobSpec } from '../../../engine/jobs/job-runner';
import { resumeSelfTest, selfTestJob, selfTestSpec } from '../../../engine/jobs/self-test';
import { silentLogger } from '../../../engine/logger';
import { Db } from '../../../engine/store/db';

/** A handler the test lets go of when it wants: the job runs until then. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const handler = async (ctx: JobContext) => {
    await Promise.race([
      opened,
      new Promise((_, reject) => {
        if (ctx.signal.aborted) reject(new HangarError('CANCELLED', 'Cancelled'));
        ctx.signal.addEventListener('abort', () => reject(new HangarError('CANCELLED', 'Cancelled')));
      }),
    ]);
    return 'done';
  };
  return { open, handler };
}

const vm1: JobTarget = { kind: 'vm', id: 'vm-1' };

/** DESIGN §2: locks, limits, queueing, nesting and resume, on the real runner over real SQLite. */
describe('job locks, limits and nesting (real SQLite in its worker)', () => {
  let dir: string;
  let db: Db;
  let runner: JobRunner;
  const open = async (resume = true) => {
    db = await Db.open(path.join(dir, 'hangar.db'));
    runner = new JobRunner(new JobRepo(db), new EventHub(), silentLogger);
    await runner.init();
    runner.registerResumer('engine.selfTestResumable', resumeSelfTest);
    if (resume) await runner.resumePending();
  };
  const until = async (jobId: string, pred: (j: Job) => boolean, ms = 5000) => {
    for (let i = 0; i < ms / 20; i++) {
      const j = runner.get(jobId);
      if (pred(j)) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${jobId} never reached the state: ${JSON.stringify(runner.get(jobId))}`);
  };
  const done = (id: string) => until(id, (j) => FINAL_JOB_STATES.includes(j.state));
  const start = (spec: Partial<JobSpec> & Pick<JobSpec, 'kind'>, handler: (ctx: JobContext) => Promise<unknown>) =>
    runner.start({ title: { key: 't', args: { name: 'web-1' } }, cancellable: true, ...spec }, handler);
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-locks-'));
    await open();
  });
  afterEach(async () => {
    await runner.close();
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the same power action twice on a VM is refused with CONFLICT naming the job; another VM is not held up', async () => {
    const g = gate();
    const first = await start({ kind: 'vm.start', target: vm1, hostId: 'h1' }, g.handler);
    await until(first.jobId, (j) => j.state === 'running');
    const refused = await start({ kind: 'vm.start', target: vm1, hostId: 'h1' }, async () => undefined).then(
      () => null,
      (e: unknown) => e as HangarError,
    );
    expect(refused?.code).toBe('CONFLICT');
    expect(refused?.details).toMatchObject({ jobId: first.jobId, kind: 'vm.start', message: { key: 'job.err.busy', args: { name: 'web-1', jobId: first.jobId } } });
    expect(refused?.message).toContain(first.jobId);
    // Nothing was journalled for the refused request.
    expect((await runner.list(100)).map((j) => j.id)).toEqual([first.jobId]);
    const other = await start({ kind: 'vm.start', target: { kind: 'vm', id: 'vm-2' }, hostId: 'h1' }, async () => 'ok');
    expect((await done(other.jobId)).state).toBe('succeeded');
    g.open();
    expect((await done(first.jobId)).state).toBe('succeeded');
  });

  it('a kind that refuses a busy target (a migration) gets CONFLICT from any mutating job on it', async () => {
    const g = gate();
    const edit = await start({ kind: 'vm.update', target: vm1 }, g.handler);
    await expect(start({ kind: 'vm.migrate', target: vm1, hostId: 'h1' }, async () => undefined)).rejects.toMatchObject({ code: 'CONFLICT', details: { jobId: edit.jobId, kind: 'vm.update' } });
    g.open();
    await done(edit.jobId);
  });

  it('an edit on a busy VM waits, queued, saying for which job, then runs; edits run one after the other in order', async () => {
    const g = gate();
    const order: string[] = [];
    const first = await start({ kind: 'vm.start', target: vm1 }, g.handler);
    await until(first.jobId, (j) => j.state === 'running');
    const a = await start({ kind: 'vm.update', target: vm1 }, async () => void order.push('a'));
    const b = await start({ kind: 'vm.addNic', target: vm1 }, async () => void order.push('b'));
    expect(runner.get(a.jobId)).toMatchObject({ state: 'queued', waitingFor: { reason: 'target', jobId: first.jobId } });
    // The second waits too, for the job that holds the VM; it still runs after the first edit.
    expect(runner.get(b.jobId)).toMatchObject({ state: 'queued', waitingFor: { reason: 'target', jobId: first.jobId } });
    // And the wait is journalled: a reader of the database sees why it waits.
    const row = await db.get<{ waiting_for: string }>('SELECT waiting_for FROM jobs WHERE id = ?', [a.jobId]);
    expect(JSON.parse(row!.waiting_for)).toEqual({ reason: 'target', jobId: first.jobId });
    g.open();
    await done(b.jobId);
    expect(order).toEqual(['a', 'b']);
    expect(runner.get(a.jobId).waitingFor).toBeUndefined();
    expect(runner.get(a.jobId).startedAt).toBeGreaterThanOrEqual(runner.get(first.jobId).finishedAt!);
  });

  it('Force off ends a Shut down that waits for the guest, then runs; what it does not preempt it waits for', async () => {
    const shutdown = await start({ kind: 'vm.shutdown', target: vm1 }, gate().handler);
    await until(shutdown.jobId, (j) => j.state === 'running');
    const off = await start({ kind: 'vm.forceOff', target: vm1 }, async () => 'off');
    expect((await done(shutdown.jobId)).state).toBe('cancelled');
    expect(await done(off.jobId)).toMatchObject({ state: 'succeeded', result: 'off' });
    // A Start is not preempted: the Force off waits for it.
    const g = gate();
    const starting = await start({ kind: 'vm.start', target: vm1 }, g.handler);
    await until(starting.jobId, (j) => j.state === 'running');
    const later = await start({ kind: 'vm.forceOff', target: vm1 }, async () => 'off');
    expect(runner.get(later.jobId)).toMatchObject({ state: 'queued', waitingFor: { reason: 'target', jobId: starting.jobId } });
    g.open();
    expect((await done(starting.jobId)).state).toBe('succeeded');
    expect((await done(later.jobId)).state).toBe('succeeded');
  });

  it('a power action asked again while the first still waits its turn is refused, naming the waiting one', async () => {
    const g = gate();
    const first = await start({ kind: 'vm.update', target: vm1 }, g.handler);
    const shutdown = await start({ kind: 'vm.shutdown', target: vm1 }, async () => undefined);
    expect(runner.get(shutdown.jobId)).toMatchObject({ state: 'queued', waitingFor: { reason: 'target', jobId: first.jobId } });
    await expect(start({ kind: 'vm.shutdown', target: vm1 }, async () => undefined)).rejects.toMatchObject({ code: 'CONFLICT', details: { jobId: shutdown.jobId } });
    g.open();
    expect((await done(shutdown.jobId)).state).toBe('succeeded');
  });

  it('migrations: at most 2 out of one host and 5 in the fleet run at once; the rest wait as queued and start as places free up', async () => {
    const gates = new Map<string, () => void>();
    const mig = async (n: number, hostId: string) => {
      const g = gate();
      const ref = await start({ kind: 'vm.migrate', target: { kind: 'vm', id: `m-${n}` }, hostId }, g.handler);
      gates.set(ref.jobId, g.open);
      return ref.jobId;
    };
    const fromH1 = [await mig(1, 'h1'), await mig(2, 'h1'), await mig(3, 'h1')];
    await until(fromH1[1]!, (j) => j.state === 'running');
    expect(runner.get(fromH1[2]!)).toMatchObject({ state: 'queued', waitingFor: { reason: 'limit', scope: 'host', limit: 2 } });
    const others = [await mig(4, 'h2'), await mig(5, 'h2'), await mig(6, 'h3'), await mig(7, 'h3')];
    await until(others[2]!, (j) => j.state === 'running');
    // 2 from h1 + 2 from h2 + 1 from h3 = 5: the fleet is full.
    expect(runner.get(others[3]!)).toMatchObject({ state: 'queued', waitingFor: { reason: 'limit', scope: 'fleet', limit: 5 } });
    expect((await runner.list(100, ['running'])).length).toBe(5);
    // Other kinds are not limited by the migrations.
    const other = await start({ kind: 'vm.start', target: { kind: 'vm', id: 'x' }, hostId: 'h1' }, async () => 'ok');
    expect((await done(other.jobId)).state).toBe('succeeded');
    // One h3 migration ends: the waiting h3 one starts; h1's third still waits for its host.
    gates.get(others[2]!)!();
    await until(others[3]!, (j) => j.state === 'running');
    expect(runner.get(fromH1[2]!).state).toBe('queued');
    gates.get(fromH1[0]!)!();
    await until(fromH1[2]!, (j) => j.state === 'running');
    for (const open of gates.values()) open();
    for (const id of [...fromH1, ...others]) expect((await done(id)).state).toBe('succeeded');
  });

  it("a parent's progress is its children's; cancelling the parent cancels its children, running and queued", async () => {
    const g1 = gate();
    const childIds: string[] = [];
    let ctxOf: JobContext | null = null;
    const parent = await start({ kind: 'host.evacuate', target: { kind: 'host', id: 'h1' }, hostId: 'h1' }, async (ctx) => {
      ctxOf = ctx;
      childIds.push((await ctx.child({ kind: 'vm.migrate', title: { key: 'c' }, target: { kind: 'vm', id: 'a' }, hostId: 'h1', cancellable: true }, async (c) => {
        c.progress(0.5);
        return g1.handler(c);
      })).jobId);
      childIds.push((await ctx.child({ kind: 'vm.migrate', title: { key: 'c' }, target: { kind: 'vm', id: 'b' }, hostId: 'h1', cancellable: true }, async () => 'quick')).jobId);
      // A third waits for h1's limit of 2... once the quick one is done it runs; make it wait on a lock instead.
      childIds.push((await ctx.child({ kind: 'vm.update', title: { key: 'c' }, target: { kind: 'vm', id: 'a' }, hostId: 'h1', cancellable: true }, async () => 'edit')).jobId);
      await Promise.all(childIds.map((id) => ctx.finished(id)));
    });
    await until(parent.jobId, () => childIds.length === 3);
    await until(childIds[1]!, (j) => j.state === 'succeeded');
    expect(runner.get(childIds[2]!)).toMatchObject({ state: 'queued', parentId: parent.jobId, waitingFor: { reason: 'target', jobId: childIds[0] } });
    // (0.5 + 1 + 0) / 3, whatever the parent itself says.
    ctxOf!.progress(0.99);
    const p = await until(parent.jobId, (j) => j.progress !== null && Math.abs(j.progress - 0.5) < 1e-9);
    expect(p.state).toBe('running');
    expect(runner.get(childIds[0]!).parentId).toBe(parent.jobId);
    await runner.cancel(parent.jobId);
    expect((await done(childIds[0]!)).state).toBe('cancelled');
    expect((await done(childIds[2]!)).state).toBe('cancelled');
    expect((await done(childIds[1]!)).state).toBe('succeeded');
    expect((await done(parent.jobId)).state).toBe('cancelled');
    // The nesting is journalled.
    const rows = await db.all<{ id: string }>('SELECT id FROM jobs WHERE parent_id = ? ORDER BY created_at', [parent.jobId]);
    expect(rows.map((r) => r.id)).toEqual(childIds);
  });

  it('a child does not wait for the lock its parent holds on the same target', async () => {
    const parent = await start({ kind: 'host.evacuate', target: { kind: 'host', id: 'h1' } }, async (ctx) => {
      const c = await ctx.child({ kind: 'host.update', title: { key: 'c' }, target: { kind: 'host', id: 'h1' }, cancellable: false }, async () => 'ok');
      return (await ctx.finished(c.jobId)).state;
    });
    expect(await done(parent.jobId)).toMatchObject({ state: 'succeeded', result: 'succeeded' });
  });

  it('a resumable job left running by a crash continues from its saved step after the restart; a plain one is interrupted', async () => {
    const p = { steps: 6, stepMs: 60, resumable: true, children: 0 };
    const res = await runner.start(selfTestSpec(p), selfTestJob(p));
    const plain = await start({ kind: 'engine.selfTest' }, async () => new Promise(() => undefined));
    await until(res.jobId, (j) => (j.progress ?? 0) >= 3 / 6);
    // The crash: the process is gone, so its database connection is too (the old runner can write
    // nothing more); nothing else is closed. A new runner opens the same database.
    await db.close();
    await open(false);
    expect(runner.get(res.jobId).state).toBe('queued');
    expect(runner.get(plain.jobId).state).toBe('interrupted');
    await runner.resumePending();
    const job = await done(res.jobId);
    expect(job.state).toBe('succeeded');
    const result = job.result as { steps: number; runs: number; resumedAt: number[] };
    expect(result.runs).toBe(2);
    expect(result.resumedAt).toHaveLength(1);
    expect(result.resumedAt[0]).toBeGreaterThanOrEqual(2);
    expect(result.resumedAt[0]).toBeLessThan(6);
  });

  it('a resumable job survives a clean engine stop too, and a kind nobody resumes is interrupted', async () => {
    const p = { steps: 4, stepMs: 80, resumable: true, children: 0 };
    const res = await runner.start(selfTestSpec(p), selfTestJob(p));
    const evac = await start({ kind: 'host.evacuate', target: { kind: 'host', id: 'h9' } }, gate().handler);
    await until(res.jobId, (j) => (j.progress ?? 0) >= 1 / 4);
    await runner.close();
    await db.close();
    await open();
    expect(runner.get(evac.jobId).state).toBe('interrupted');
    const job = await done(res.jobId);
    expect(job.state).toBe('succeeded');
    expect((job.result as { runs: number }).runs).toBe(2);
  });
});

describe('migrations 9 and 10 (real SQLite)', () => {
  it('turn the old free-record targets into typed references (a VM by its UUID) and keep their host', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { migrations } = await import('../../../engine/store/migrations');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-m10-'));
    try {
      const file = path.join(dir, 'hangar.db');
      const old = new Database(file);
      for (const m of migrations.filter((x) => x.version < 9)) old.exec(m.sql);
      old.pragma(`user_version = ${Math.max(...migrations.filter((x) => x.version < 9).map((x) => x.version))}`);
      const insert = old.prepare("INSERT INTO jobs(id, kind, title, target, state, cancellable, created_at) VALUES (?, ?, '{\"key\":\"t\"}', ?, 'succeeded', 0, 1)");
      insert.run('a', 'vm.start', JSON.stringify({ hostId: 'h1', vmId: 'h1:uuid-1' }));
      insert.run('b', 'vm.create', JSON.stringify({ hostId: 'h2' }));
      insert.run('c', 'jobs.cleanup', JSON.stringify({ hostId: 'h3', jobId: 'a' }));
      insert.run('d', 'diagnostics.gather', null);
      old.close();
      const db = await Db.open(file);
      const jobs = await new JobRepo(db).recent(10);
      await db.close();
      const byId = new Map(jobs.map((j) => [j.id, j]));
      expect(byId.get('a')).toMatchObject({ target: { kind: 'vm', id: 'uuid-1' }, hostId: 'h1' });
      expect(byId.get('b')).toMatchObject({ target: { kind: 'host', id: 'h2' }, hostId: 'h2' });
      expect(byId.get('c')?.target).toBeUndefined();
      expect(byId.get('c')?.hostId).toBe('h3');
      expect(byId.get('d')?.target).toBeUndefined();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
