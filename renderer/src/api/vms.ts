import type { MethodParams, VmAction } from '../../../engine/contract';
import { call } from './call';

/** Virtual machines: read one, act on several, change their definition and devices. */

export const getVm = (vmId: string) => call('vms.get', { vmId });

export const runVmAction = (vmIds: string[], action: VmAction) => call('vms.action', { vmIds, action });

export const createVm = (params: MethodParams<'vms.create'>) => call('vms.create', params);

export const deleteVm = (params: MethodParams<'vms.delete'>) => call('vms.delete', params);

export const updateVm = (params: MethodParams<'vms.update'>) => call('vms.update', params);

export const defineVmXml = (vmId: string, xml: string) => call('vms.defineXml', { vmId, xml });

export const addVmDisk = (params: MethodParams<'vms.addDisk'>) => call('vms.addDisk', params);

export const resizeVmDisk = (vmId: string, target: string, sizeGiB: number) => call('vms.resizeDisk', { vmId, target, sizeGiB });

export const setVmMedia = (params: MethodParams<'vms.setMedia'>) => call('vms.setMedia', params);

export const addVmNic = (params: MethodParams<'vms.addNic'>) => call('vms.addNic', params);

export const setVmNicLink = (vmId: string, mac: string, up: boolean) => call('vms.setLink', { vmId, mac, up });

/** Detaches a disk (by target) or a NIC (by MAC). */
export const detachVmDevice = (vmId: string, device: string) => call('vms.detach', { vmId, device });

export const vmSshCommand = (vmId: string) => call('vms.sshCommand', { vmId });
