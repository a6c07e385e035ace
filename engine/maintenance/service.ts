import { HangarError } from '../contract/errors';
import { FINAL_JOB_STATES } from '../contract/jobs';
import type { HostMaintenance, MaintenancePlan } from '../contract/migration';
import type { Vm } from '../contract/vms';
import type { HostManager } from '../hosts/host-manager';
import { NO_MAINTENANCE } from '../hosts/host-repo';
import type { JobRunner } from '../jobs/job-runner';
import type { Service } from '../rpc/service';
import { vmActionJob, type VmActionDeps } from '../vms/vm-actions';
import { evacuationHandler, type EvacuationDeps, type EvacuationState } from './evacuation';
import type { VmMover } from './mover';
import { planEvacuation, type PlanInput } from './plan';
import { removalGuard } from './removal-guard';

type Fleet = Pick<HostManager, 'hosts' | 'libvirt' | 'maintenanceOf' | 'setMaintenance' | 'setRemovalGuard'>;

/**
 * Host maintenance (seed 001 L11–80): the plan VM by VM, entering (the host takes no new
 * placements or incoming migrations, then one resumable host.evacuate job moves its VMs as child
 * migrations), leaving (moves nothing back), and hosts.remove refused while VMs remain.
 */
export function maintenanceService(deps: {
  fleet: Fleet;
  inventory: { get(id: string): Vm | undefined; readonly vms: { values(): Vm[] } } & Pick<VmActionDeps, 'setTransition'>;
  jobs: Pick<JobRunner, 'start' | 'cancel' | 'registerResumer' | 'jobs'>;
  mover: VmMover;
}): Service {
  const { fleet, inventory, jobs, mover } = deps;

  const hostOf = (hostId: string) => {
    const h = fleet.hosts.get(hostId);
    if (!h) throw new HangarError('NOT_FOUND', `No host ${hostId}`);
    return h;
  };

  const current = (hostId: string): HostMaintenance => {
    const { state, detail } = fleet.maintenanceOf(hostId);
    return { hostId, state, ...detail };
  };

  const vmsOn = (hostId: string) => inventory.vms.values().filter((v) => v.hostId === hostId).sort((a, b) => a.name.localeCompare(b.name));

  async function plan(hostId: string, actions: Record<string, MaintenancePlan['steps'][number]['action'] & string>): Promise<MaintenancePlan> {
    hostOf(hostId);
    const vms = vmsOn(hostId);
    const checks = await mover.checkAll(vms.map((v) => ({ vmId: v.id, storage: 'copy' as const })));
    const inputs = vms.map((v, i): PlanInput => {
      const c = checks[i]!;
      if (c.status === 'fulfilled') return { vmId: v.id, name: v.name, check: c.value, checkError: null };
      const e = HangarError.from(c.reason);
      const m = e.details?.['message'];
      return { vmId: v.id, name: v.name, check: null, checkError: m && typeof m === 'object' && 'key' in m ? (m as PlanInput['checkError']) : { key: 'maintenance.failed', args: { reason: e.message } } };
    });
    return planEvacuation(hostId, inputs, actions);
  }

  const actionDeps = (timeoutSec: number): VmActionDeps => ({
    libvirt: (id) => fleet.libvirt(id),
    shutdownTimeoutMs: () => timeoutSec * 1000,
    setTransition: (id, t) => inventory.setTransition(id, t),
  });

  const evacuation: EvacuationDeps = {
    mover,
    // One evacuation per host at a time (host.evacuate refuses a second): the one not finished is ours.
    jobOf: (hostId) => jobs.jobs.values().find((j) => j.kind === 'host.evacuate' && j.target?.id === hostId && !FINAL_JOB_STATES.includes(j.state))?.id,
    connected: (hostId) => fleet.hosts.get(hostId)?.state === 'connected',
    domainsOn: async (hostId) => new Map((await fleet.libvirt(hostId).listAllDomains()).map((d) => [d.uuid, { active: d.id !== -1 }])),
    vm: (id) => inventory.get(id),
    shutdown: async (vm, timeoutSec, parent) => {
      const { spec, handler } = vmActionJob(vm, 'shutdown', actionDeps(timeoutSec));
      return (await parent.child(spec, handler)).jobId;
    },
    forceOff: async (vm, parent) => {
      const { spec, handler } = vmActionJob(vm, 'forceOff', actionDeps(0));
      return (await parent.child(spec, handler)).jobId;
    },
    report: async (state: EvacuationState, final) => {
      const now = fleet.maintenanceOf(state.hostId);
      // Left meanwhile (exit): the outcome of a cancelled evacuation changes nothing.
      if (now.state !== 'preparing') return;
      const failed = state.plan.steps.filter((s) => s.state !== 'done').length;
      const error = final === 'error' ? { key: 'maintenance.err.notEmpty', args: { count: failed } } : null;
      await fleet.setMaintenance(state.hostId, final ?? 'preparing', { ...now.detail, plan: state.plan, error });
    },
  };

  jobs.registerResumer('host.evacuate', () => evacuationHandler(null, evacuation));
  fleet.setRemovalGuard(removalGuard({ host: hostOf, vmsOn }));

  return {
    name: 'maintenance',
    handlers: {
      'hosts.maintenance': async ({ hostId }) => (hostOf(hostId), current(hostId)),
      'hosts.maintenancePlan': ({ hostId, actions }) => plan(hostId, actions),
      'hosts.enterMaintenance': async ({ hostId, actions, shutdownTimeoutSec, planVmIds }) => {
        const host = hostOf(hostId);
        const was = fleet.maintenanceOf(hostId);
        if (was.state === 'preparing') throw new HangarError('CONFLICT', `${host.name} is being emptied already`, { message: { key: 'maintenance.err.already', args: { host: host.name } } });
        const p = await plan(hostId, actions);
        // What starts is what the person reviewed: a VM that came since is not moved unseen.
        const unseen = planVmIds ? p.steps.filter((s) => !planVmIds.includes(s.vmId)) : [];
        if (unseen.length) {
          const names = unseen.map((s) => s.name).join(', ');
          throw new HangarError('CONFLICT', `${host.name} has VMs the plan did not show (${names}): review the new plan`, { message: { key: 'maintenance.err.planChanged', args: { host: host.name, names } } });
        }
        // From here the host takes no new placements or incoming migrations (placement reads the state).
        await fleet.setMaintenance(hostId, 'preparing', { jobId: null, plan: p, since: Date.now(), error: null });
        const initial: EvacuationState = { hostId, shutdownTimeoutSec, plan: p };
        try {
          const ref = await jobs.start(
            { kind: 'host.evacuate', title: { key: 'job.host.evacuate', args: { name: host.name } }, target: { kind: 'host', id: hostId }, hostId, cancellable: true, stepState: initial },
            async (ctx) => {
              await evacuationHandler(initial, evacuation)(ctx);
              return current(hostId);
            },
          );
          await fleet.setMaintenance(hostId, fleet.maintenanceOf(hostId).state, { ...fleet.maintenanceOf(hostId).detail, jobId: ref.jobId });
          return ref;
        } catch (err) {
          await fleet.setMaintenance(hostId, was.state, was.detail);
          throw err;
        }
      },
      'hosts.exitMaintenance': async ({ hostId }) => {
        const host = hostOf(hostId);
        const { detail } = fleet.maintenanceOf(hostId);
        const running = detail.jobId ? jobs.jobs.get(detail.jobId) : undefined;
        // What has moved stays moved: the evacuation is cancelled, and nothing comes back.
        if (running && (running.state === 'running' || running.state === 'queued')) await jobs.cancel(running.id);
        return jobs.start({ kind: 'host.exitMaintenance', title: { key: 'job.host.exitMaintenance', args: { name: host.name } }, target: { kind: 'host', id: hostId }, hostId, cancellable: false }, async () => {
          await fleet.setMaintenance(hostId, 'none', NO_MAINTENANCE);
          return current(hostId);
        });
      },
    },
  };
}
