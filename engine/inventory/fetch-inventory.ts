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
  /** Listed as the cache saw it last (a reconcile): not fetched again, the same summary as before. */
  unchanged?: true;
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

/**
 * XML calls per batch, and batches in flight: a few more calls in flight than libvirtd serves at
 * once per client (max_client_requests, 20 by default) keep it busy, and no more, so the replies
 * that reach the engine's thread in one turn stay few (a busy engine thread finds every reply in
 * flight waiting at once) and the thread takes them in short tasks.
 */
const FETCH_BATCH = 16;
const BATCHES_IN_FLIGHT = 3;
/** Records handed on per `onRecords` call at most, with a turn yielded between (a reconcile's unchanged 10,000). */
const RECORDS_CHUNK = 250;

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface FetchOptions {
  /**
   * Fetch only domains that are new or whose name, runtime id, state or reason changed since the
   * cache saw them (the reconcile: libvirt's events keep the rest current). Default: every XML.
   */
  onlyChanged?: boolean;
  /**
   * Takes the records as they are ready, in groups (first the domains the reconcile need not
   * fetch, then each parsed batch): the inventory shows them while the rest is on the wire.
   */
  onRecords?: (records: DomainRecord[]) => void;
}

/**
 * A host's whole domain inventory: the list and a bulk state call together, then every XML
 * pipelined in batches (DESIGN §3: no per-domain sequential calls), each batch parsed in the
 * XML worker pool while the next ones are on the wire. Nothing heavy runs on the engine's thread.
 */
export async function fetchHostInventory(conn: LibvirtConnection, cache?: ParseCache, opts: FetchOptions = {}): Promise<HostInventory> {
  const [refs, stateByUuid] = await Promise.all([conn.listAllDomains(0), conn.getAllDomainStates()]);
  const stateOf = (uuid: string) => stateByUuid.get(uuid) ?? { state: 0, reason: 0 };
  const domains: DomainRecord[] = [];
  const errors: HostInventory['errors'] = [];
  const hand = (records: DomainRecord[]): void => {
    if (records.length) opts.onRecords?.(records);
  };

  const toFetch: DomainRef[] = [];
  let unchanged: DomainRecord[] = [];
  for (const dom of refs) {
    const hit = opts.onlyChanged ? cache?.get(dom.uuid) : undefined;
    const st = stateOf(dom.uuid);
    if (hit && hit.name === dom.name && hit.id === dom.id && hit.state === st.state && hit.reason === st.reason) {
      const rec: DomainRecord = { summary: hit.summary, state: st.state, reason: st.reason, id: dom.id, unchanged: true };
      domains.push(rec);
      unchanged.push(rec);
      if (unchanged.length >= RECORDS_CHUNK) {
        hand(unchanged);
        unchanged = [];
        await yieldTurn();
      }
    } else toFetch.push(dom);
  }
  hand(unchanged);

  const parsing: Promise<void>[] = [];
  const take = (batch: DomainXmlResult[]): void => {
    const fresh: { dom: DomainRef; xml: string }[] = [];
    const known: DomainRecord[] = [];
    for (const r of batch) {
      const dom = r.dom;
      if ('error' in r) {
        errors.push({ uuid: dom.uuid, name: dom.name, message: r.error.message });
        continue;
      }
      const hit = cache?.get(dom.uuid);
      if (hit && hit.xml === r.xml) known.push(record(dom, r.xml, hit.summary));
      else fresh.push({ dom, xml: r.xml });
    }
    hand(known);
    if (fresh.length === 0) return;
    const parsed = parseDomains(fresh.map((f) => f.xml)).then((results) => {
      const ready: DomainRecord[] = [];
      results.forEach((res, i) => {
        const { dom, xml } = fresh[i]!;
        if ('error' in res) errors.push({ uuid: dom.uuid, name: dom.name, message: res.error });
        else ready.push(record(dom, xml, res.summary));
      });
      hand(ready);
    });
    parsed.catch(() => undefined); // surfaces below, when awaited (the engine closing while batches are parsed)
    parsing.push(parsed);
  };
  const record = (dom: DomainRef, xml: string, summary: DomainSummary): DomainRecord => {
    const st = stateOf(dom.uuid);
    cache?.set(dom.uuid, { xml, summary, name: dom.name, id: dom.id, state: st.state, reason: st.reason });
    const rec: DomainRecord = { summary, state: st.state, reason: st.reason, id: dom.id };
    domains.push(rec);
    return rec;
  };

  // A window of batches in flight: as the oldest is answered, the next goes out, then it is taken.
  const inFlight: Promise<DomainXmlResult[]>[] = [];
  let next = 0;
  const send = (): void => {
    const batch = conn.getAllXml(toFetch.slice(next, next + FETCH_BATCH));
    next += FETCH_BATCH;
    batch.catch(() => undefined); // surfaces below, when awaited; not as an unhandled rejection meanwhile
    inFlight.push(batch);
  };
  while (inFlight.length < BATCHES_IN_FLIGHT && next < toFetch.length) send();
  while (inFlight.length) {
    const batch = await inFlight.shift()!;
    if (next < toFetch.length) send();
    take(batch);
  }
  await Promise.all(parsing);

  if (cache) {
    const present = new Set(refs.map((r) => r.uuid));
    for (const uuid of cache.keys()) if (!present.has(uuid)) cache.delete(uuid);
  }
  return { domains, errors, fetched: toFetch.length };
}
