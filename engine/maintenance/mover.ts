import { HangarError } from '../contract/errors';
import type { JobRef } from '../contract/jobs';
import type { MigrateParams, MigrationCheck } from '../contract/migration';
import type { JobContext } from '../jobs/job-runner';

/**
 * What maintenance needs of the migration engine (engine/migration), and nothing more: its
 * pre-flight, and a vm.migrate job (live, with storage copy, or the offline move of a stopped VM)
 * started as a child of the evacuation, so the vm.migrate limits queue it and its progress is the
 * parent's. Pre-flight refusals throw before any job starts.
 */
export interface VmMover {
  check(params: MigrateParams): Promise<MigrationCheck>;
  start(params: MigrateParams, parent: Pick<JobContext, 'child'>): Promise<JobRef>;
}

/** Until the migration engine answers: every move is refused, saying so. */
export const noMover: VmMover = {
  check: () => Promise.reject(new HangarError('UNSUPPORTED', 'Migration is not built yet')),
  start: () => Promise.reject(new HangarError('UNSUPPORTED', 'Migration is not built yet')),
};
