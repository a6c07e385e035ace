import { HangarError } from '../contract/errors';
import type { Service } from '../rpc/service';

const notYet = (): never => {
  throw new HangarError('UNSUPPORTED', 'Host maintenance is not built yet');
};

/** Host maintenance: plan, evacuation, ready (issue 15). The contract is in contract/migration.ts; the work is under way. */
export function maintenanceService(): Service {
  return {
    name: 'maintenance',
    handlers: { 'hosts.maintenance': notYet, 'hosts.maintenancePlan': notYet, 'hosts.enterMaintenance': notYet, 'hosts.exitMaintenance': notYet },
  };
}
