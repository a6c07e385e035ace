import type { LibvirtConnection } from '../libvirt';
import { parseCapabilities } from '../xml/parse-pool';

/** libvirt's host UUID, which names the host whatever its address (see HostCapabilities.hostUuid). */
export async function libvirtHostUuid(conn: LibvirtConnection): Promise<string | null> {
  return (await parseCapabilities(await conn.getCapabilities())).hostUuid;
}
