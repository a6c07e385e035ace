import type { Host } from '../contract/hosts';
import type { AffinityGroup, HostPlacementSettings, PlacementStrategy } from '../contract/placement';

/**
 * What a caller asks placement for: create today; migration, evacuation and disposable pools
 * next. Everything a filter needs is here, so callers never pre-filter hosts themselves.
 */
export interface PlacementRequest {
  /** What the VM needs. */
  memoryMiB: number;
  vcpus: number;
  /** The VM being placed when it exists already (a move): it is not counted against itself. */
  vmUuid?: string;
  /** A storage pool the VM's disks go to. */
  pool?: string;
  /** A libvirt network the VM's NIC attaches to. */
  network?: string;
  /** Volumes the VM uses (an ISO, a base image, a disk to import): the host must have each. */
  volumes?: { pool: string; volume: string }[];
  /** Tags the host must have; they also let the VM onto a host tainted with them. */
  requiredTags?: string[];
  /** Tags a host is preferred for (a weight, never a refusal). */
  preferredTags?: string[];
  /** Groups the VM belongs to, besides those it is a member of already. */
  affinityGroupIds?: string[];
  /** The CPU model the VM was defined against (a move); none for a VM defined for its new host. */
  cpuModel?: string;
  /** Defaults to the setting. */
  strategy?: PlacementStrategy;
  /** Hosts never chosen (the source of a migration, a host being emptied). */
  excludeHostIds?: string[];
  /** Only these hosts are considered (the user chose one). */
  onlyHostIds?: string[];
}

/** Host maintenance (DESIGN §8), as the host record has it; absent means none (tests' hosts). */
export type { MaintenanceState } from '../contract/hosts';
import type { MaintenanceState } from '../contract/hosts';

export type PlacementHost = Pick<Host, 'id' | 'name' | 'state' | 'tags' | 'facts'> & {
  maintenance?: MaintenanceState;
  /** The host gives a VM user-mode networking when the network asked for is not running (the local host). */
  networkFallback?: boolean;
};

/** A VM as placement counts it. */
export interface PlacedVm {
  uuid: string;
  name: string;
  hostId: string;
  memoryMiB: number;
  vcpus: number;
  /** Whether it holds host memory and CPUs now (see `holdsResources`). */
  active: boolean;
}

/** Resources held for a placement whose job has not ended. */
export interface Reservation {
  id: string;
  hostId: string;
  memoryMiB: number;
  vcpus: number;
  /** The groups of the VM being made, so a parallel placement of a fellow member sees it. */
  groupIds: string[];
  vmName: string;
  jobId: string | null;
}

/** Everything a decision reads, taken at one moment under the placement lock. */
export interface PlacementSnapshot {
  hosts: PlacementHost[];
  settings: (hostId: string) => HostPlacementSettings;
  vms: PlacedVm[];
  reservations: Reservation[];
  groups: AffinityGroup[];
  defaultStrategy: PlacementStrategy;
  /** Per host: the required volumes it lacks (checked on the host before the lock), or why it could not be checked. */
  volumeProblems: Map<string, VolumeProblem[]>;
}

export type VolumeProblem = { pool: string; volume: string; error?: string };
