import type { PoolHostCapacity } from '../contract/pools';

/** One host's free resources for a pool, in-flight leases already subtracted. */
export interface HostResources {
  hostId: string;
  hostName: string;
  /** Why the host gives nothing, whatever its resources (no base image, down, in maintenance). */
  excluded: 'noBaseImage' | 'hostDown' | 'maintenance' | null;
  memoryMiB: number;
  vcpus: number;
  /** null: unknown (not a limit). */
  diskBytes: number | null;
  addresses: number | null;
}

/** What one lease needs. */
export interface LeaseNeeds {
  memoryMiB: number;
  vcpus: number;
  diskBytes: number;
}

/**
 * How many leases a host can take: the smallest quotient of free ÷ needed over memory, vCPUs
 * (after overcommit: placement's free), disk and free DHCP addresses; a resource it cannot tell
 * (null) does not limit. The seed's formula (min of CPU and memory counts) with disk and addresses.
 */
export function hostCount(r: HostResources, need: LeaseNeeds): PoolHostCapacity {
  const free = { memoryMiB: r.memoryMiB, vcpus: r.vcpus, diskBytes: r.diskBytes, addresses: r.addresses };
  if (r.excluded) return { hostId: r.hostId, hostName: r.hostName, available: 0, limitedBy: r.excluded, free };
  const quotients: [PoolHostCapacity['limitedBy'], number][] = [
    ['memory', r.memoryMiB / Math.max(1, need.memoryMiB)],
    ['vcpus', r.vcpus / Math.max(1, need.vcpus)],
  ];
  if (r.diskBytes !== null) quotients.push(['disk', need.diskBytes > 0 ? r.diskBytes / need.diskBytes : Infinity]);
  if (r.addresses !== null) quotients.push(['addresses', r.addresses]);
  let [limitedBy, q] = quotients[0]!;
  for (const [k, v] of quotients) if (v < q) [limitedBy, q] = [k, v];
  return { hostId: r.hostId, hostName: r.hostName, available: Math.max(0, Math.floor(q)), limitedBy, free };
}

/** Addresses in the DHCP ranges of a network (IPv4 only). */
export function dhcpRangeSize(ranges: readonly { start: string; end: string }[]): number {
  const v4 = (ip: string) => {
    const p = ip.split('.').map(Number);
    return p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) ? ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]! : null;
  };
  let n = 0;
  for (const r of ranges) {
    const a = v4(r.start);
    const b = v4(r.end);
    if (a !== null && b !== null && b >= a) n += b - a + 1;
  }
  return n;
}
