import { sleep } from '../common/abort';
import { HangarError } from '../contract/errors';
import type { Job } from '../contract/jobs';
import type { Message } from '../contract/message';
import type { EvacuationStep, MaintenancePlan } from '../contract/migration';
import type { Vm } from '../contract/vms';
import type { JobContext, JobHandler } from '../jobs/job-runner';
import type { VmMover } from './mover';

/** What the evacuation persists after every change, so an engine restart continues it (job kind host.evacuate). */
export interface EvacuationState {
  hostId: string;
  shutdownTimeoutSec: number;
  plan: MaintenancePlan;
}

export interface EvacuationDeps {
  mover: VmMover;
  /** The evacuation job of the host (its children's parent). */
  jobOf(hostId: string): string | undefined;
  /** Whether the host's libvirt is connected now. */
  connected(hostId: string): boolean;
  /** The UUIDs defined on the host, and which of them run, as libvirt says now. */
  domainsOn(hostId: string): Promise<Map<string, { active: boolean }>>;
  vm(vmId: string): Vm | undefined;
  /** ACPI shutdown as a child job (vm.shutdown), failing with TIMEOUT after `timeoutSec`. */
  shutdown(vm: Vm, timeoutSec: number, parent: Pick<JobContext, 'child'>): Promise<string>;
  /** Force off as a child job (vm.forceOff). */
  forceOff(vm: Vm, parent: Pick<JobContext, 'child'>): Promise<string>;
  /** The plan's progress and outcome reach the host's maintenance record (hosts.maintenance, the host list). */
  report(state: EvacuationState, final: 'ready' | 'error' | null): Promise<void>;
}

const msg = (key: string, args?: Message['args']): Message => ({ key, ...(args ? { args } : {}) });

/** A child job's failure as words for the step: its own Message when it has one. */
function failureOf(job: Job): Message {
  const m = job.error?.details?.['message'] as Message | undefined;
  if (m && typeof m.key === 'string') return m;
  return msg('maintenance.failed', { reason: job.error?.message ?? job.state });
}

const errorMessage = (err: unknown): Message => {
  const e = HangarError.from(err);
  const m = e.details?.['message'] as Message | undefined;
  return m && typeof m.key === 'string' ? m : msg('maintenance.failed', { reason: e.message });
};

/** Waits (gently) until `ok` holds, the signal aborts, or the time is up. */
async function until(ok: () => boolean, ms: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await sleep(500, signal);
  }
  return true;
}

/** How long a resumed evacuation waits for the host and its VMs to be known again after a restart. */
const RESUME_WAIT_MS = 90_000;

/**
 * The evacuation, as the handler of one resumable host.evacuate job: every step that can run runs
 * at once as child jobs (the vm.migrate limits queue them), each step's state is saved as it
 * changes, and after a restart a step that was under way is first checked against the host: a VM
 * no longer defined there has left (done); one still there is moved again.
 */
export function evacuationHandler(initial: EvacuationState | null, deps: EvacuationDeps): JobHandler {
  return async (ctx) => {
    const saved = (ctx.state as EvacuationState | undefined) ?? initial;
    if (!saved) throw new HangarError('INTERNAL', 'The evacuation has no saved state to continue from');
    const state: EvacuationState = structuredClone(saved);
    const { hostId } = state;
    const save = async () => {
      await ctx.saveState(structuredClone(state));
      await deps.report(state, null);
    };
    const resumed = state.plan.steps.some((s) => s.state === 'running');
    const open = state.plan.steps.filter((s) => s.state === 'pending' || s.state === 'running');
    // After a restart: the hosts reconnect and the inventory refills on their own; wait for it, and
    // for each planned target (a busy host with a thousand domains takes a while to come back; a move
    // asked of it before then is refused as having no target).
    const ready = (s: EvacuationStep) => s.blocked || (deps.vm(s.vmId) && (!resumed || !s.targetHostId || deps.connected(s.targetHostId)));
    if (!(await until(() => deps.connected(hostId) && open.every(ready), resumed ? RESUME_WAIT_MS : 5_000, ctx.signal))) {
      if (!deps.connected(hostId)) throw new HangarError('UNREACHABLE', 'The host being emptied is not connected', { message: msg('maintenance.err.hostGone') });
    }
    for (const s of state.plan.steps) if (s.blocked && s.state === 'pending') Object.assign(s, { state: 'skipped', error: s.blocked });
    await save();

    const finish = async (step: EvacuationStep, outcome: 'done' | 'failed', error: Message | null) => {
      Object.assign(step, { state: outcome, error });
      await save();
    };

    const leftHost = async (step: EvacuationStep) => !(await deps.domainsOn(hostId)).has(step.vmId);

    /** Runs one child job to its end; a failure (not a cancel) becomes the step's error. */
    const awaitChild = async (jobId: string): Promise<Job> => {
      const job = await ctx.finished(jobId);
      if (ctx.signal.aborted || job.state === 'cancelled') throw new HangarError('CANCELLED', 'Cancelled');
      return job;
    };

    const move = async (step: EvacuationStep, storage: 'shared' | 'copy'): Promise<Job> => {
      const params = { vmId: step.vmId, storage, ...(step.targetHostId ? { hostId: step.targetHostId } : {}) };
      let ref;
      try {
        ref = await deps.mover.start(params, deps.jobOf(hostId));
      } catch (err) {
        // The planned target may have filled up since the plan: placement chooses again.
        if (!step.targetHostId || HangarError.from(err).code !== 'CONFLICT' || ctx.signal.aborted) throw err;
        ref = await deps.mover.start({ vmId: step.vmId, storage }, deps.jobOf(hostId));
      }
      return awaitChild(ref.jobId);
    };

    const runStep = async (step: EvacuationStep): Promise<void> => {
      try {
        if (step.state === 'running' && (await leftHost(step))) return await finish(step, 'done', null);
        step.state = 'running';
        await save();
        const vm = deps.vm(step.vmId);
        if (!vm) throw new HangarError('NOT_FOUND', `${step.name} is not known any more`, { message: msg('maintenance.err.vmGone', { name: step.name }) });
        if (step.action === 'shutdown') {
          const active = (await deps.domainsOn(hostId)).get(step.vmId)?.active ?? false;
          if (active) {
            const down = await awaitChild(await deps.shutdown(vm, state.shutdownTimeoutSec, ctx));
            if (down.state !== 'succeeded') {
              const off = await awaitChild(await deps.forceOff(vm, ctx));
              if (off.state !== 'succeeded') return await finish(step, 'failed', failureOf(off));
            }
          }
          // Shut down: its definition goes too, so the host ends empty (it stays when no host can take it).
          if (!step.targetHostId) return await finish(step, 'done', null);
          await until(() => deps.vm(step.vmId)?.state === 'stopped', 10_000, ctx.signal);
        }
        const job = await move(step, step.action === 'migrate' ? 'shared' : 'copy');
        if (job.state !== 'succeeded') return await finish(step, 'failed', failureOf(job));
        await finish(step, 'done', null);
      } catch (err) {
        if (ctx.signal.aborted || HangarError.from(err).code === 'CANCELLED') throw err;
        await finish(step, 'failed', errorMessage(err));
      }
    };

    ctx.progress(null, msg('maintenance.step.evacuating', { count: open.length }));
    const results = await Promise.allSettled(state.plan.steps.filter((s) => s.state === 'pending' || s.state === 'running').map(runStep));
    if (ctx.signal.aborted || results.some((r) => r.status === 'rejected')) {
      // Left by the user (exit) or the engine closing: what moved stays moved; the rest is skipped.
      for (const s of state.plan.steps) if (s.state === 'pending' || s.state === 'running') Object.assign(s, { state: 'skipped', error: null });
      throw new HangarError('CANCELLED', 'Cancelled');
    }
    const ok = state.plan.steps.every((s) => s.state === 'done');
    await ctx.saveState(structuredClone(state));
    await deps.report(state, ok ? 'ready' : 'error');
    return state.plan;
  };
}
