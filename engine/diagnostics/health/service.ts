import { FINAL_JOB_STATES, leftovers, type Job } from '../../contract/jobs';
import type { EventHub } from '../../events/event-hub';
import type { FleetEvents, FleetLinks } from '../../hosts/fleet';
import type { JobRunner } from '../../jobs/job-runner';
import type { Logger } from '../../logger';
import type { Service } from '../../rpc/service';
import type { Db } from '../../store/db';
import { splitBrainWatcher } from '../../inventory/merge-copies';
import type { VmInventory } from '../../inventory/vm-inventory';
import { CATALOGUE } from './catalogue';
import { HealthService } from './health-service';

/** How often the health checks run on live data (and on demand through health.run). */
const HEALTH_MS = 2 * 60_000;

/**
 * Health checks on live data and the `alerts` they raise: on demand always, periodically as
 * background work, and at once when a host goes or a task leaves (or stops leaving) leftovers.
 */
export async function healthService(deps: { db: Db; hub: EventHub; logger: Logger; fleet: FleetEvents & Pick<FleetLinks, 'hosts' | 'libvirt' | 'ssh'>; jobs: Pick<JobRunner, 'jobs'>; inventory: Pick<VmInventory, 'domainsOn'> }): Promise<Service & { readonly health: HealthService }> {
  const { fleet, hub } = deps;
  const health = new HealthService({ hosts: () => fleet.hosts.values(), libvirt: (id) => fleet.libvirt(id), ssh: (id) => fleet.ssh(id), jobs: () => deps.jobs.jobs.values(), domainsOn: (id) => deps.inventory.domainsOn(id), db: deps.db, logger: deps.logger });
  await health.init();
  hub.defineTopic('alerts', { initial: () => health.alerts.snapshot() });
  health.alerts.onDelta((d) => hub.publish('alerts', d));
  // Two copies of one VM running at once is an alert now, not at the next periodic run.
  hub.subscribe('vms', {}, splitBrainWatcher(() => void health.run().catch(() => undefined)));
  // A removed host's alerts go with it now, not at the next periodic run.
  fleet.on('removed', () => void health.run().catch(() => undefined));
  // Leftovers raise their alert, and a clean-up or a keep clears it, now: not at the next run.
  let leftoverCheck: NodeJS.Timeout | null = null;
  hub.subscribe('job.updated', {}, (job: Job) => {
    if (leftoverCheck || !FINAL_JOB_STATES.includes(job.state)) return;
    if (leftovers(job).length === 0 && !health.alerts.values().some((a) => a.checkId === 'TaskLeftovers' && a.id.endsWith(`:${job.id}`))) return;
    leftoverCheck = setTimeout(() => {
      leftoverCheck = null;
      void health.run().catch(() => undefined);
    }, 500);
    leftoverCheck.unref();
  });
  return {
    name: 'health',
    health,
    handlers: {
      'health.catalogue': async () => ({ checks: CATALOGUE.checks }),
      'health.run': async () => ({ findings: await health.run() }),
      'alerts.list': async (p) => ({ alerts: health.alerts.values().filter((a) => (!p.hostId || a.hostId === p.hostId) && (!p.vmId || a.vmId === p.vmId)) }),
    },
    start: () => health.start(HEALTH_MS),
    close: () => health.stop(),
  };
}
