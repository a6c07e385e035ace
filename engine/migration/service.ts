import { HangarError } from '../contract/errors';
import type { Service } from '../rpc/service';

const notYet = (): never => {
  throw new HangarError('UNSUPPORTED', 'Migration is not built yet');
};

/** Live migration and offline moves (issue 15). The contract is in contract/migration.ts; the work is under way. */
export function migrationService(): Service {
  return {
    name: 'migration',
    handlers: { 'vms.migrateCheck': notYet, 'vms.migrate': notYet, 'vms.migrateSetSpeed': notYet },
  };
}
