import type { MethodParams, VmAction } from '../../../engine/contract';
import { call } from './call';
import { runJob } from './jobs';

/**
 * Virtual machines: read one, act on several, change their definition and devices. A change of the
 * definition is a job on the VM (a second one waits for the first); each promise follows its job and
 * resolves with the VM's details after it. Power actions answer with one job per VM.
 */

export const getVm = (vmId: string) => call('vms.get', { vmId });

export const runVmAction = (vmIds: string[], action: VmAction) => call('vms.action', { vmIds, action });

export const createVm = (params: MethodParams<'vms.create'>) => call('vms.create', params);

export const deleteVm = (params: MethodParams<'vms.delete'>) => call('vms.delete', params);

export const updateVm = (params: MethodParams<'vms.update'>) => runJob('vms.update', params);

export const defineVmXml = (vmId: string, xml: string) => runJob('vms.defineXml', { vmId, xml });

export const addVmDisk = (params: MethodParams<'vms.addDisk'>) => runJob('vms.addDisk', params);

export const resizeVmDisk = (vmId: string, target: string, sizeGiB: number) => runJob('vms.resizeDisk', { vmId, target, sizeGiB });

export const setVmMedia = (params: MethodParams<'vms.setMedia'>) => runJob('vms.setMedia', params);

export const addVmNic = (params: MethodParams<'vms.addNic'>) => runJob('vms.addNic', params);

export const setVmNicLink = (vmId: string, mac: string, up: boolean) => runJob('vms.setLink', { vmId, mac, up });

/** Detaches a disk (by target) or a NIC (by MAC). */
export const detachVmDevice = (vmId: string, device: string) => runJob('vms.detach', { vmId, device });

export const vmSshCommand = (vmId: string) => call('vms.sshCommand', { vmId });
