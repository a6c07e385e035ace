import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINAL_JOB_STATES, HangarError, type Job, type MaintenancePlan, type Vm } from '../../../engine/contract';
import { EventHub } from '../../../engine/events/event-hub';
import { JobRepo } from '../../../engine/jobs/job-repo';
import { JobRunner } from '../../../engine/jobs/job-runner';
import { silentLogger } from '../../../engine/logger';
import { evacuationHandler, type EvacuationDeps, type EvacuationState } from '../../../engine/maintenance/evacuation';
import { Db } from '../../../engine/store/db';

/**
 * The evacuation's step logic on the real job runner and SQLite journal: child moves, outcomes per
 * VM, the end state, and a restart that continues from the saved steps. The hosts are a map of
 * which VM is where (the moves are the migration engine's, tested against the lab).
 */
describe('the host.evacuate job', () => {
  let dir: string;
  let db: Db;
  let runner: JobRunner;
  /** Where each VM is, and whether it runs. */
  let where: Map<string, { hostId: string; active: boolean }>;
  let reported: { state: EvacuationState; final: string | null }[];
  /** How a move behaves, per VM: 'ok' moves it, 'fail' fails the child, 'hang' waits until cancelled. */
  let behaviour: Record<string, 'ok' | 'fail' | 'hang'>;
  let started: string[];
  /** Guests that ignore the power button. */
  const stubborn = new Set<string>();

  const open = async () => {
    db = await Db.open(path.join(dir, 'hangar.db'));
    runner = new JobRunner(new JobRepo(db), new EventHub(), silentLogger);
    await runner.init();
  };
  const vm = (id: string): Vm => ({ id, uuid: id, hostId: where.get(id)?.hostId ?? 'gone', name: id, state: where.get(id)?.active ? 'running' : 'stopped' }) as Vm;
  const deps = (): EvacuationDeps => ({
    mover: {
      check: () => Promise.reject(new Error('not used')),
      checkAll: () => Promise.reject(new Error('not used')),
      start: (p, parentJobId) => {
        started.push(p.vmId);
        return runner.start({ kind: 'vm.migrate', title: { key: 'job.vm.migrate' }, target: { kind: 'vm', id: p.vmId }, hostId: 'h1', cancellable: true, ...(parentJobId ? { parentId: parentJobId } : {}) }, async (ctx) => {
          const b = behaviour[p.vmId] ?? 'ok';
          if (b === 'fail') throw new HangarError('CONFLICT', 'no room', { message: { key: 'migration.err.noTarget', args: { name: p.vmId } } });
          if (b === 'hang') await new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new HangarError('CANCELLED', 'Cancelled'))));
          where.set(p.vmId, { hostId: p.hostId ?? 'h2', active: where.get(p.vmId)!.active });
        });
      },
    },
    jobOf: () => runner.jobs.values().find((j) => j.kind === 'host.evacuate' && !FINAL_JOB_STATES.includes(j.state))?.id,
    connected: () => true,
    domainsOn: async (hostId) => new Map([...where].filter(([, w]) => w.hostId === hostId).map(([id, w]) => [id, { active: w.active }])),
    vm: (id) => (where.has(id) ? vm(id) : undefined),
    shutdown: async (v, _t, parent) =>
      (
        await parent.child({ kind: 'vm.shutdown', title: { key: 'job.vm.shutdown' }, target: { kind: 'vm', id: v.id }, cancellable: true }, async () => {
          // A guest that ignores the power button: the shutdown times out.
          if (stubborn.has(v.id)) throw new HangarError('TIMEOUT', `${v.id} did not shut down`);
          where.set(v.id, { hostId: 'h1', active: false });
        })
      ).jobId,
    forceOff: async (v, parent) => (await parent.child({ kind: 'vm.forceOff', title: { key: 'job.vm.forceOff' }, target: { kind: 'vm', id: v.id }, cancellable: false }, async () => where.set(v.id, { hostId: 'h1', active: false }))).jobId,
    report: async (state, final) => void reported.push({ state: structuredClone(state), final }),
  });
  const step = (vmId: string, action: MaintenancePlan['steps'][number]['action'], targetHostId: string | null, blocked: MaintenancePlan['steps'][number]['blocked'] = null) => ({ vmId, name: vmId, action, targetHostId, blocked, state: 'pending' as const, error: null });
  const until = async (jobId: string, pred: (j: Job) => boolean) => {
    for (let i = 0; i < 250; i++) {
      const j = runner.jobs.get(jobId);
      if (j && pred(j)) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${jobId} never got there: ${JSON.stringify(runner.jobs.get(jobId))}`);
  };
  const evacuate = (state: EvacuationState) =>
    runner.start({ kind: 'host.evacuate', title: { key: 'job.host.evacuate' }, target: { kind: 'host', id: 'h1' }, hostId: 'h1', cancellable: true, stepState: state }, evacuationHandler(state, deps()));

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-evacuate-'));
    where = new Map();
    reported = [];
    behaviour = {};
    started = [];
    await open();
  });
  afterEach(async () => {
    await runner.close();
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('moves every VM as a child job and ends ready', async () => {
    for (const [id, active] of [['a', true], ['b', true], ['c', false], ['d', true]] as const) where.set(id, { hostId: 'h1', active });
    const plan: MaintenancePlan = { hostId: 'h1', steps: [step('a', 'migrate', 'h2'), step('b', 'migrateCopy', 'h3'), step('c', 'moveDefinition', 'h2'), step('d', 'shutdown', 'h3')] };
    const { jobId } = await evacuate({ hostId: 'h1', shutdownTimeoutSec: 5, plan });
    const job = await until(jobId, (j) => FINAL_JOB_STATES.includes(j.state));
    expect(job.state).toBe('succeeded');
    expect(reported.at(-1)!.final).toBe('ready');
    expect(reported.at(-1)!.state.plan.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect([...where.values()].every((w) => w.hostId !== 'h1')).toBe(true);
    expect(where.get('d')).toEqual({ hostId: 'h3', active: false });
    // The moves (and the shutdown) are the evacuation's children.
    expect(runner.jobs.values().filter((j) => j.parentId === jobId).map((j) => j.kind).sort()).toEqual(['vm.migrate', 'vm.migrate', 'vm.migrate', 'vm.migrate', 'vm.shutdown']);
  });

  it('a guest that ignores the power button is forced off after the timeout, then moved', async () => {
    where.set('d', { hostId: 'h1', active: true });
    stubborn.add('d');
    const plan: MaintenancePlan = { hostId: 'h1', steps: [step('d', 'shutdown', 'h2')] };
    const { jobId } = await evacuate({ hostId: 'h1', shutdownTimeoutSec: 5, plan });
    const job = await until(jobId, (j) => FINAL_JOB_STATES.includes(j.state));
    expect(job.state).toBe('succeeded');
    expect(runner.jobs.values().filter((j) => j.parentId === jobId).map((j) => `${j.kind}:${j.state}`).sort()).toEqual(['vm.forceOff:succeeded', 'vm.migrate:succeeded', 'vm.shutdown:failed']);
    expect(where.get('d')).toEqual({ hostId: 'h2', active: false });
    expect(reported.at(-1)!.final).toBe('ready');
  });

  it('a VM that fails or is blocked ends the host in error, with the reason per VM', async () => {
    where.set('a', { hostId: 'h1', active: true });
    where.set('b', { hostId: 'h1', active: true });
    where.set('c', { hostId: 'h1', active: true });
    behaviour.b = 'fail';
    const plan: MaintenancePlan = { hostId: 'h1', steps: [step('a', 'migrate', 'h2'), step('b', 'migrate', 'h2'), step('c', null, null, { key: 'maintenance.blocked.noHost' })] };
    const { jobId } = await evacuate({ hostId: 'h1', shutdownTimeoutSec: 5, plan });
    await until(jobId, (j) => FINAL_JOB_STATES.includes(j.state));
    const last = reported.at(-1)!;
    expect(last.final).toBe('error');
    expect(last.state.plan.steps.map((s) => [s.state, s.error?.key ?? null])).toEqual([
      ['done', null],
      ['failed', 'migration.err.noTarget'],
      ['skipped', 'maintenance.blocked.noHost'],
    ]);
  });

  it('continues after a restart from the saved steps: what left is done, what did not moves again', async () => {
    where.set('a', { hostId: 'h1', active: true });
    where.set('b', { hostId: 'h1', active: true });
    behaviour.a = 'hang';
    behaviour.b = 'hang';
    const plan: MaintenancePlan = { hostId: 'h1', steps: [step('a', 'migrate', 'h2'), step('b', 'migrate', 'h3')] };
    const { jobId } = await evacuate({ hostId: 'h1', shutdownTimeoutSec: 5, plan });
    await until(jobId, () => runner.jobs.values().filter((j) => j.parentId === jobId && j.state === 'running').length === 2);
    // The engine stops mid-way; meanwhile a's migration had completed on the hosts, b's had not.
    await runner.close();
    where.set('a', { hostId: 'h2', active: true });
    await db.close();
    await open();
    runner.registerResumer('host.evacuate', () => evacuationHandler(null, deps()));
    behaviour = {};
    started = [];
    await runner.resumePending();
    const job = await until(jobId, (j) => FINAL_JOB_STATES.includes(j.state));
    expect(job.state).toBe('succeeded');
    expect(started).toEqual(['b']);
    expect(reported.at(-1)!.final).toBe('ready');
    expect(where.get('b')!.hostId).toBe('h3');
  });

  it('cancelled (leaving maintenance): what moved stays moved, nothing more moves', async () => {
    where.set('a', { hostId: 'h1', active: true });
    where.set('b', { hostId: 'h1', active: true });
    behaviour.b = 'hang';
    const plan: MaintenancePlan = { hostId: 'h1', steps: [step('a', 'migrate', 'h2'), step('b', 'migrate', 'h3')] };
    const { jobId } = await evacuate({ hostId: 'h1', shutdownTimeoutSec: 5, plan });
    await until(jobId, () => where.get('a')!.hostId === 'h2' && runner.jobs.values().some((j) => j.parentId === jobId && j.state === 'running'));
    await runner.cancel(jobId);
    const job = await until(jobId, (j) => FINAL_JOB_STATES.includes(j.state));
    expect(job.state).toBe('cancelled');
    expect(where.get('a')!.hostId).toBe('h2');
    expect(where.get('b')!.hostId).toBe('h1');
    expect(reported.every((r) => r.final === null)).toBe(true);
  });
});
