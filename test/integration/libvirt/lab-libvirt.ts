/**
 * A libvirt connection to one lab host over Hangar's own SSH layer, as the engine opens it: for
 * integration tests of the libvirt client itself (no HostManager around it).
 */
import { openHostLibvirt } from '../../../engine/hosts/host-libvirt';
import type { LibvirtConnection } from '../../../engine/libvirt';
import { SshPool } from '../../../engine/ssh';
import type { LabHost, LabInfo } from '../../lab/lab-info';

export async function openLabLibvirt(lab: LabInfo, host: LabHost): Promise<{ pool: SshPool; conn: LibvirtConnection }> {
  const pool = new SshPool({
    hostKeys: { get: async () => undefined, pin: async () => undefined },
    knownHostsFiles: [lab.knownHostsPath],
    agent: null,
    sshConfig: { configText: `Host ${host.address}\n  User root\n  IdentityFile ${lab.keyPath}\n  IdentitiesOnly yes\n` },
    connectTimeoutMs: 15_000,
  });
  try {
    const { conn } = await openHostLibvirt(pool.connection(host.name, { address: host.address }));
    return { pool, conn };
  } catch (err) {
    await pool.closeAll();
    throw err;
  }
}
