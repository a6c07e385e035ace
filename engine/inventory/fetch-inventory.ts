import { DomainStatsType, paramsToRecord, type LibvirtConnection } from '../libvirt';
import { parseDomainXml, type DomainSummary } from './domain-xml';

export interface DomainRecord {
  summary: DomainSummary;
  /** libvirt's virDomainState and its reason code, from one bulk stats call. */
  state: number;
  reason: number;
  /** libvirt's runtime id, -1 when not running. */
  id: number;
}

export interface HostInventory {
  domains: DomainRecord[];
  /** Domains whose XML could not be read or parsed (e.g. undefined meanwhile), with why. */
  errors: { uuid: string; name: string; message: string }[];
}

/**
 * A host's whole domain inventory in three round trips however many domains it has: one list,
 * one bulk state call and every XML pipelined (DESIGN §3: no per-domain sequential calls).
 */
export async function fetchHostInventory(conn: LibvirtConnection): Promise<HostInventory> {
  const [refs, stats] = await Promise.all([conn.listAllDomains(0), conn.getAllDomainStats([], DomainStatsType.STATE, 0)]);
  const stateByUuid = new Map<string, { state: number; reason: number }>();
  for (const rec of stats) {
    const p = paramsToRecord(rec.params);
    stateByUuid.set(rec.dom.uuid, { state: Number(p['state.state'] ?? 0), reason: Number(p['state.reason'] ?? 0) });
  }
  const xmls = await conn.getAllXml(refs);
  const domains: DomainRecord[] = [];
  const errors: HostInventory['errors'] = [];
  for (const r of xmls) {
    const dom = r.dom;
    const key = dom.uuid;
    if ('error' in r) {
      errors.push({ uuid: key, name: dom.name, message: r.error.message });
      continue;
    }
    try {
      const st = stateByUuid.get(key) ?? { state: 0, reason: 0 };
      domains.push({ summary: parseDomainXml(r.xml), state: st.state, reason: st.reason, id: dom.id });
    } catch (err) {
      errors.push({ uuid: key, name: dom.name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { domains, errors };
}
