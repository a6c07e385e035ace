/**
 * What the health checks read: one shape, filled either from the live engine (hosts, inventory,
 * a light probe over SSH) or from an opened bundle's files. Evaluators never know which.
 */
export interface VmSnap {
  uuid: string;
  name: string;
  /** libvirt's state word: running, paused, shutoff, crashed, … */
  state: string;
  /** libvirt's reason word when known: ioerror, crashed, user, … */
  reason: string | null;
  vcpus: number;
  memoryKiB: number;
  macs: string[];
  /** null: not known (no XML). */
  agentChannel: 'connected' | 'disconnected' | 'absent' | null;
  cpuMode: string | null;
}

export interface HostSnap {
  id: string;
  name: string;
  /** SSH (or the local socket) works. */
  reachable: boolean;
  reachError: string | null;
  libvirtUp: boolean;
  libvirtError: string | null;
  kvm: boolean | null;
  libvirtVersion: string | null;
  qemuVersion: string | null;
  cpuModel: string | null;
  cpus: number | null;
  memoryKiB: number | null;
  /** Host clock minus Hangar's, in seconds; null when not measured. */
  clockOffsetSec: number | null;
  pools: Array<{ name: string; active: boolean; capacity: number; available: number }>;
  certs: Array<{ path: string; notAfter: number }>;
  kernelKvmErrors: string[];
  /** VM names whose QEMU binary was replaced on disk. */
  outdatedQemu: string[];
  vms: VmSnap[];
}

export interface HealthSnapshot {
  now: number;
  hosts: HostSnap[];
  /** Failed migration tasks: VM name and when. */
  migrationFailures: Array<{ vmName: string; hostId: string | null; at: number }>;
  /** What failed or interrupted tasks journalled and left on a host: one entry per task and host. */
  taskLeftovers?: TaskLeftovers[];
}

export interface TaskLeftovers {
  jobId: string;
  /** The task's kind and subject, e.g. `vm.create web1` (identifiers, shown as they are). */
  task: string;
  hostId: string;
  /** Said in the alert when the host is not in the snapshot (disconnected, removed). */
  hostName: string;
  /** `pool/volume` or a VM name, per item. */
  items: string[];
}
