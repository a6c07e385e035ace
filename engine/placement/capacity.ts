import type { DisplayState, Vm } from '../contract/vms';
import type { HostCapacity, HostPlacementSettings, ResourceCapacity } from '../contract/placement';
import type { PlacedVm, PlacementHost, Reservation } from './request';

/**
 * The committed rule: a VM holds its host's memory and CPUs while QEMU runs it, i.e. in every
 * state but shut off (stopped, crashed, error) or saved to disk (suspended). A stopped VM is not
 * counted: starting it is a placement of its own. VMs being created (or moved) count through
 * their reservation until their job ends, and the job refreshes the inventory before it ends so
 * nothing is counted twice or not at all in between.
 */
export function holdsResources(state: DisplayState): boolean {
  return state === 'running' || state === 'paused' || state === 'starting' || state === 'stopping' || state === 'migrating' || state === 'unknown';
}

/**
 * A VM as placement counts it. A last-known copy (its host still reconnecting after a restart, or
 * lost) counts as it was last seen: a thousand stopped domains read back from SQLite must not fill
 * their host until it answers.
 */
export function placedVm(v: Pick<Vm, 'uuid' | 'name' | 'hostId' | 'memoryKiB' | 'vcpus' | 'state' | 'lastSeen'>): PlacedVm {
  return { uuid: v.uuid, name: v.name, hostId: v.hostId, memoryMiB: Math.ceil(v.memoryKiB / 1024), vcpus: v.vcpus, active: holdsResources(v.lastSeen?.state ?? v.state) };
}

function resource(physical: number, ratio: number, hostReserve: number, committed: number, reserved: number): ResourceCapacity {
  const allocatable = Math.max(0, Math.floor(physical * ratio - hostReserve));
  return { physical, allocatable, committed, reserved, free: allocatable - committed - reserved };
}

/**
 * Capacity = physical × overcommit ratio − host reserve − committed − reserved, for memory (MiB)
 * and vCPUs. `exceptVm` is the VM being moved, which must not count against itself.
 */
export function hostCapacity(host: PlacementHost, s: HostPlacementSettings, vms: PlacedVm[], reservations: Reservation[], exceptVm?: string): HostCapacity {
  const mine = vms.filter((v) => v.hostId === host.id && v.active && v.uuid !== exceptVm);
  const held = reservations.filter((r) => r.hostId === host.id);
  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
  return {
    hostId: host.id,
    hostName: host.name,
    settings: s,
    memory: resource(Math.floor((host.facts?.memoryKiB ?? 0) / 1024), s.memoryRatio, s.memoryReserveMiB, sum(mine, (v) => v.memoryMiB), sum(held, (r) => r.memoryMiB)),
    vcpus: resource(host.facts?.cpus ?? 0, s.cpuRatio, 0, sum(mine, (v) => v.vcpus), sum(held, (r) => r.vcpus)),
  };
}
