import type { z } from 'zod';
import type { JobRef } from '../contract/jobs';
import { MigrateParams, type MigrationCheck } from '../contract/migration';
import { ProbeBatch } from '../migration/probe-batch';

type MigrateRequest = z.output<typeof MigrateParams>;

/**
 * What maintenance needs of the migration engine (engine/migration), and nothing more: its
 * pre-flight, and a vm.migrate job (live, with storage copy, or the offline move of a stopped VM)
 * started as a child of the evacuation, so the vm.migrate limits queue it and its progress is the
 * parent's. Pre-flight refusals throw before any job starts.
 */
export interface VmMover {
  check(params: MigrateParams): Promise<MigrationCheck>;
  /** The pre-flights of many VMs as one batch (each host asked once for what they share); each settles on its own. */
  checkAll(params: readonly MigrateParams[]): Promise<Array<PromiseSettledResult<MigrationCheck>>>;
  start(params: MigrateParams, parentJobId: string | undefined): Promise<JobRef>;
}

/** The migration engine's narrow entry (MigrationEngine.check / start), as maintenance calls it. */
export interface MigrationEntry {
  check(p: MigrateRequest, batch?: ProbeBatch): Promise<MigrationCheck>;
  start(p: MigrateRequest, opts: { parentJobId?: string }): Promise<JobRef>;
}

export function migrationMover(m: MigrationEntry): VmMover {
  return {
    check: (p) => m.check(MigrateParams.parse(p)),
    checkAll: (ps) => {
      const batch = new ProbeBatch();
      return Promise.allSettled(ps.map((p) => m.check(MigrateParams.parse(p), batch)));
    },
    start: (p, parentJobId) => m.start(MigrateParams.parse(p), parentJobId ? { parentJobId } : {}),
  };
}
