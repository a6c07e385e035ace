import type { DomainRef, DomainXmlResult, LibvirtConnection } from '../libvirt';
import type { DomainSummary } from '../xml/domain-read';
import { parseDomains } from '../xml/parse-pool';

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
  /** How many XML documents were fetched (a reconcile fetches only domains that changed). */
  fetched: number;
}

/**
 * What the last fetch saw of each domain, by UUID: the exact XML and its parsed summary, and the
 * name, runtime id, state and reason libvirt listed it with. Parsing is most of the cost of a
 * re-inventory and a domain's XML rarely changes: only a changed XML is parsed again, and a
 * reconcile fetches only domains whose listing changed.
 */
export type ParseCache = Map<string, { xml: string; summary: DomainSummary; name?: string; id?: number; state?: number; reason?: number }>;

/** XML calls per batch: a host's 2,000 domains go out in short bursts, two batches in flight at a time. */
const FETCH_BATCH = 64;

export interface FetchOptions {
  /**
   * Fetch only domains that are new or whose name, runtime id, state or reason changed since the
   * cache saw them (the reconcile: libvirt's events keep the rest current). Default: every XML.
   */
  onlyChanged?: boolean;
}

/**
 * A host's whole domain inventory: the list and a bulk state call together, then every XML
 * pipelined in batches (DESIGN §3: no per-domain sequential calls), each batch parsed in the
 * XML worker pool while the next one is on the wire. Nothing heavy runs on the engine's thread.
 */
export async function fetchHostInventory(conn: LibvirtConnection, cache?: ParseCache, opts: FetchOptions = {}): Promise<HostInventory> {
  const [refs, stateByUuid] = await Promise.all([conn.listAllDomains(0), conn.getAllDomainStates()]);
  const stateOf = (uuid: string) => stateByUuid.get(uuid) ?? { state: 0, reason: 0 };
  const domains: DomainRecord[] = [];
  const errors: HostInventory['errors'] = [];

  const toFetch: DomainRef[] = [];
  for (const dom of refs) {
    const hit = opts.onlyChanged ? cache?.get(dom.uuid) : undefined;
    const st = stateOf(dom.uuid);
    if (hit && hit.name === dom.name && hit.id === dom.id && hit.state === st.state && hit.reason === st.reason) {
      domains.push({ summary: hit.summary, state: st.state, reason: st.reason, id: dom.id });
    } else toFetch.push(dom);
  }

  const parsing: Promise<void>[] = [];
  const take = (batch: DomainXmlResult[]): void => {
    const fresh: { dom: DomainRef; xml: string }[] = [];
    for (const r of batch) {
      const dom = r.dom;
      if ('error' in r) {
        errors.push({ uuid: dom.uuid, name: dom.name, message: r.error.message });
        continue;
      }
      const hit = cache?.get(dom.uuid);
      if (hit && hit.xml === r.xml) record(dom, r.xml, hit.summary);
      else fresh.push({ dom, xml: r.xml });
    }
    if (fresh.length === 0) return;
    parsing.push(
      parseDomains(fresh.map((f) => f.xml)).then((results) => {
        results.forEach((res, i) => {
          const { dom, xml } = fresh[i]!;
          if ('error' in res) errors.push({ uuid: dom.uuid, name: dom.name, message: res.error });
          else record(dom, xml, res.summary);
        });
      }),
    );
  };
  const record = (dom: DomainRef, xml: string, summary: DomainSummary): void => {
    const st = stateOf(dom.uuid);
    cache?.set(dom.uuid, { xml, summary, name: dom.name, id: dom.id, state: st.state, reason: st.reason });
    domains.push({ summary, state: st.state, reason: st.reason, id: dom.id });
  };

  const batches: DomainRef[][] = [];
  for (let i = 0; i < toFetch.length; i += FETCH_BATCH) batches.push(toFetch.slice(i, i + FETCH_BATCH));
  let inFlight: Promise<DomainXmlResult[]> | null = batches[0] ? conn.getAllXml(batches[0]) : null;
  for (let k = 0; k < batches.length; k++) {
    const next = batches[k + 1] ? conn.getAllXml(batches[k + 1]!) : null;
    next?.catch(() => undefined); // surfaces below, when awaited; not as an unhandled rejection meanwhile
    const batch = await inFlight!;
    inFlight = next;
    take(batch);
  }
  await Promise.all(parsing);

  if (cache) {
    const present = new Set(refs.map((r) => r.uuid));
    for (const uuid of cache.keys()) if (!present.has(uuid)) cache.delete(uuid);
  }
  return { domains, errors, fetched: toFetch.length };
}
