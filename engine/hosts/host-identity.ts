import type { LibvirtConnection } from '../libvirt';
import { readCapabilitiesXml } from '../xml/capabilities';

/** libvirt's host UUID, which names the host whatever its address (see HostCapabilities.hostUuid). */
export async function libvirtHostUuid(conn: LibvirtConnection): Promise<string | null> {
  return readCapabilitiesXml(await conn.getCapabilities()).hostUuid;
}
