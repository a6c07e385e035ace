import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Clones: answers with the clone's job at once (its progress is in Tasks), or a refusal that changed nothing. */
export const cloneVm = (params: MethodParams<'vms.clone'>) => call('vms.clone', params);
