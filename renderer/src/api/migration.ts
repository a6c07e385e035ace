import type { MethodParams, MethodResult, MigrationCheck } from '../../../engine/contract';
import { call } from './call';

/**
 * Live migration and offline moves of a VM (engine/migration). Asking is free (`checkMigration`
 * changes nothing); `migrateVm` answers with the job at once, whose `migration` field carries
 * libvirt's figures while it runs; `setMigrationSpeed` changes the limit of one already running.
 */

export const checkMigration = (params: MethodParams<'vms.migrateCheck'>): Promise<MigrationCheck> => call('vms.migrateCheck', params);

export const migrateVm = (params: MethodParams<'vms.migrate'>): Promise<MethodResult<'vms.migrate'>> => call('vms.migrate', params);

export const setMigrationSpeed = (jobId: string, bandwidthMiBs: number): Promise<number> => call('vms.migrateSetSpeed', { jobId, bandwidthMiBs }).then((r) => r.bandwidthMiBs);
