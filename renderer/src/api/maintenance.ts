import type { EvacuationAction, HostMaintenance, MaintenancePlan } from '../../../engine/contract';
import { call } from './call';

/** Host maintenance (engine/maintenance): the plan, entering (the evacuation job) and leaving. */

export const hostMaintenance = (hostId: string): Promise<HostMaintenance> => call('hosts.maintenance', { hostId });

export const maintenancePlan = (hostId: string, actions: Record<string, EvacuationAction>): Promise<MaintenancePlan> => call('hosts.maintenancePlan', { hostId, actions });

/** Starts the evacuation; the job's progress and the host's maintenance record follow it. */
export const enterMaintenance = (hostId: string, actions: Record<string, EvacuationAction>, planVmIds: string[], shutdownTimeoutSec?: number) =>
  call('hosts.enterMaintenance', { hostId, actions, planVmIds, ...(shutdownTimeoutSec ? { shutdownTimeoutSec } : {}) });

export const exitMaintenance = (hostId: string) => call('hosts.exitMaintenance', { hostId });
