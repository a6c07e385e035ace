import type { LibvirtConnection } from '../libvirt';
import { parseDomainXml, type DomainSummary } from '../xml/domain-read';

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
 * Parsed summaries by domain UUID and the exact XML they came from. Parsing is most of the cost of
 * a re-inventory, and a domain's XML rarely changes between two: every XML is still fetched, but
 * only a changed one is parsed again.
 */
export type ParseCache = Map<string, { xml: string; summary: DomainSummary }>;

function parseCached(uuid: string, xml: string, cache: ParseCache | undefined): DomainSummary {
  const hit = cache?.get(uuid);
  if (hit && hit.xml === xml) return hit.summary;
  const summary = parseDomainXml(xml);
  cache?.set(uuid, { xml, summary });
  return summary;
}

/**
 * A host's whole domain inventory in two round trips however many domains it has: the list and
 * a bulk state call together, then every XML pipelined (DESIGN §3: no per-domain sequential calls).
 */
export async function fetchHostInventory(conn: LibvirtConnection, cache?: ParseCache): Promise<HostInventory> {
  const [refs, stateByUuid] = await Promise.all([conn.listAllDomains(0), conn.getAllDomainStates()]);
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
      domains.push({ summary: parseCached(key, r.xml, cache), state: st.state, reason: st.reason, id: dom.id });
    } catch (err) {
      errors.push({ uuid: key, name: dom.name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (cache) {
    const present = new Set(refs.map((r) => r.uuid));
    for (const uuid of cache.keys()) if (!present.has(uuid)) cache.delete(uuid);
  }
  return { domains, errors };
}
