import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/**
 * VM snapshots: the tree, and the three changes, each a job on the VM (a second waits for the
 * first). The changes answer with the job at once, so the tab can show its progress.
 */

export const listSnapshots = (vmId: string) => call('snapshots.list', { vmId });

export const createSnapshot = (params: MethodParams<'snapshots.create'>) => call('snapshots.create', params);

export const revertSnapshot = (vmId: string, name: string) => call('snapshots.revert', { vmId, name });

export const deleteSnapshot = (vmId: string, name: string, withChildren: boolean) => call('snapshots.delete', { vmId, name, withChildren });
