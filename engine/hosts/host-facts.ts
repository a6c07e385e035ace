import type { HostFacts } from '../contract/hosts';
import type { LibvirtConnection } from '../libvirt';

/** libvirt packs versions as major * 1e6 + minor * 1e3 + release. */
export function versionString(v: number): string {
  return `${Math.floor(v / 1e6)}.${Math.floor((v % 1e6) / 1e3)}.${v % 1e3}`;
}

/** What the connection test reports, gathered with one pipelined batch of calls. */
export async function gatherFacts({ conn, socket, via }: { conn: LibvirtConnection; socket: string; via: HostFacts['via'] }): Promise<HostFacts> {
  const [hostname, lib, hv, caps, node, poolRefs, netRefs] = await Promise.all([
    conn.getHostname(),
    conn.getLibVersion(),
    conn.getVersion(),
    conn.getCapabilities(),
    conn.nodeGetInfo(),
    conn.listAllStoragePools(0),
    conn.listAllNetworks(0),
  ]);
  const poolInfo = await Promise.all(poolRefs.map((p) => conn.storagePoolGetInfo(p)));
  return {
    hostname,
    libvirtVersion: versionString(lib),
    hypervisorVersion: versionString(hv),
    kvm: /<domain type=['"]kvm['"]/.test(caps),
    cpuModel: node.model,
    cpus: node.cpus,
    memoryKiB: node.memory,
    pools: poolRefs.map((p, i) => {
      const info = poolInfo[i]!;
      return { name: p.name, active: info.state === 2, capacity: info.capacity, allocation: info.allocation, available: info.available };
    }),
    networks: netRefs.map((n) => ({ name: n.name })),
    socket,
    via,
  };
}
