import type { AffinityGroup, HostCapacity, HostPlacementSettings, MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Placement: per-host capacity settings and affinity groups (engine/placement). */

export const hostCapacities = (): Promise<HostCapacity[]> => call('placement.capacity', {}).then((r) => r.hosts);

export const setHostPlacement = (p: MethodParams<'placement.setHostSettings'>): Promise<HostPlacementSettings> => call('placement.setHostSettings', p);

export const listAffinityGroups = (): Promise<AffinityGroup[]> => call('placement.groups.list', {}).then((r) => r.groups);

export const createAffinityGroup = (p: MethodParams<'placement.groups.create'>): Promise<AffinityGroup> => call('placement.groups.create', p);

export const updateAffinityGroup = (p: MethodParams<'placement.groups.update'>): Promise<AffinityGroup> => call('placement.groups.update', p);

export const deleteAffinityGroup = (groupId: string): Promise<void> => call('placement.groups.delete', { groupId }).then(() => undefined);

export const addVmToGroup = (groupId: string, vmId: string): Promise<AffinityGroup> => call('placement.groups.addVm', { groupId, vmId });

export const removeVmFromGroup = (groupId: string, vmId: string): Promise<AffinityGroup> => call('placement.groups.removeVm', { groupId, vmId });
