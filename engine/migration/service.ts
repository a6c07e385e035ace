import type { Settings } from '../contract/settings';
import type { EventHub } from '../events/event-hub';
import type { JobRunner } from '../jobs/job-runner';
import type { Logger } from '../logger';
import type { PlacementService } from '../placement/placement-service';
import type { Service } from '../rpc/service';
import { MigrationEngine, type MigrationEngineDeps } from './migration-engine';
import type { Fleet } from './probe';

/**
 * Live migration and offline moves (issue 15): `vms.migrateCheck`, `vms.migrate`,
 * `vms.migrateSetSpeed`. The vm.migrate limits (per source host, in the fleet) are the settings
 * `migrationsPerHost` and `migrationsInFleet`; a change applies to what waits at once.
 *
 * For other capabilities (host maintenance): `migration.start(params, { parentJobId })` — stable:
 * params are the contract's MigrateParams (parsed); it pre-flights, then queues one vm.migrate job
 * (a child of `parentJobId` when given) and resolves with `{ jobId, placement? }`, or refuses with
 * CONFLICT (details: `blockers` or `refusals`) before any job exists. `migration.check(params)`
 * is the pre-flight alone.
 */
export function migrationService(deps: {
  fleet: Fleet;
  inventory: MigrationEngineDeps['inventory'];
  jobs: Pick<JobRunner, 'start' | 'get' | 'setLimits' | 'limitsChanged'>;
  placement: Pick<PlacementService, 'place' | 'assess'>;
  settings: () => Settings;
  hub: EventHub;
  logger: Logger;
}): Service & { readonly migration: MigrationEngine } {
  const migration = new MigrationEngine({ fleet: deps.fleet, inventory: deps.inventory, jobs: deps.jobs, placement: deps.placement, logger: deps.logger });
  deps.jobs.setLimits('vm.migrate', () => ({ perHost: deps.settings().migrationsPerHost, fleet: deps.settings().migrationsInFleet }));
  const unsubscribe = deps.hub.subscribe('settings.changed', {}, () => deps.jobs.limitsChanged());
  return {
    name: 'migration',
    migration,
    handlers: {
      'vms.migrateCheck': (p) => migration.check(p),
      'vms.migrate': (p) => migration.start(p),
      'vms.migrateSetSpeed': (p) => migration.setSpeed(p.jobId, p.bandwidthMiBs),
    },
    close: () => unsubscribe(),
  };
}
