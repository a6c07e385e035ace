import type { LibvirtConnection } from '../libvirt';
import { DomainXmlFlag, ListDomainsFlag } from '../libvirt/protocol/flags';
import { parseDomainXml } from '../xml/domain-read';

/** A VM definition on a host and the disk sources of its live and saved definitions. */
export interface DiskUser {
  vmId: string;
  name: string;
  active: boolean;
  sources: Set<string>;
}

/**
 * Every VM definition's disks on the host, active or inactive: the live XML of a running VM (a
 * disk added live only) and its saved definition (a disk for the next boot only) both count.
 */
export async function diskUsers(conn: LibvirtConnection): Promise<DiskUser[]> {
  const [all, active] = await Promise.all([conn.listAllDomains(), conn.listAllDomains(ListDomainsFlag.ACTIVE)]);
  const running = new Set(active.map((d) => d.uuid));
  const [live, saved] = await Promise.all([conn.getAllXml(all), conn.getAllXml(all, DomainXmlFlag.INACTIVE)]);
  return all.map((dom, i) => {
    const sources = new Set<string>();
    for (const r of [live[i], saved[i]]) {
      if (!r || 'error' in r) continue;
      for (const d of parseDomainXml(r.xml).disks) if (d.source) sources.add(d.source);
    }
    return { vmId: dom.uuid, name: dom.name, active: running.has(dom.uuid), sources };
  });
}

const inDir = (path: string, dir: string | null) => dir !== null && dir !== '/' && path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** The VMs whose disks sit in the pool: volume disks naming it, or files under its target directory. */
export function poolUsers(users: readonly DiskUser[], pool: string, targetPath: string | null): DiskUser[] {
  return users.filter((u) => [...u.sources].some((s) => s.startsWith(`${pool}/`) || inDir(s, targetPath)));
}

/** The VMs whose disks are this volume (by path or as `pool/volume`). */
export function volumeUsers(users: readonly DiskUser[], pool: string, volume: string, path: string): DiskUser[] {
  return users.filter((u) => u.sources.has(path) || u.sources.has(`${pool}/${volume}`));
}
