import type { MethodParams, VmAction } from '../../../engine/contract';
import { call } from './call';
import { runJob } from './jobs';

// Configuration edits are jobs on the VM (a second one queues behind the first); each promise
// follows its job and resolves with the VM's details after the change.
export const updateVm = (p: MethodParams<'vms.update'>) => runJob('vms.update', p);
export const addVmNic = (p: MethodParams<'vms.addNic'>) => runJob('vms.addNic', p);
export const addVmDisk = (p: MethodParams<'vms.addDisk'>) => runJob('vms.addDisk', p);
export const detachVmDevice = (p: MethodParams<'vms.detach'>) => runJob('vms.detach', p);
export const resizeVmDisk = (p: MethodParams<'vms.resizeDisk'>) => runJob('vms.resizeDisk', p);
export const setVmMedia = (p: MethodParams<'vms.setMedia'>) => runJob('vms.setMedia', p);
export const setVmLink = (p: MethodParams<'vms.setLink'>) => runJob('vms.setLink', p);
export const defineVmXml = (p: MethodParams<'vms.defineXml'>) => runJob('vms.defineXml', p);
/** Power actions answer with one job per VM; a busy VM is refused with CONFLICT naming its task. */
export const vmAction = (vmIds: string[], action: VmAction) => call('vms.action', { vmIds, action });
