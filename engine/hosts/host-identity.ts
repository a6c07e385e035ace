import type { LibvirtConnection } from '../libvirt';

/**
 * libvirt's host UUID (capabilities `/capabilities/host/uuid`): stable across addresses, names
 * and reconnects, distinct per host (libvirtd.conf host_uuid, else SMBIOS or machine-id).
 */
export async function libvirtHostUuid(conn: LibvirtConnection): Promise<string | null> {
  const caps = await conn.getCapabilities();
  const host = /<host>([\s\S]*?)<\/host>/.exec(caps)?.[1] ?? '';
  const uuid = /<uuid>\s*([0-9a-fA-F-]{32,36})\s*<\/uuid>/.exec(host)?.[1];
  return uuid ? uuid.toLowerCase() : null;
}
