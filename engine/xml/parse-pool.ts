import { WorkerPool } from '../perf/worker-pool';
import type { HostCapabilities } from './capabilities';
import type { DomainSummary } from './domain-read';

export type ParseResult = { summary: DomainSummary } | { error: string };
export type ParseTask = { kind: 'domains'; xmls: string[] } | { kind: 'capabilities'; xml: string };

/** XML documents per message: big enough that messaging costs little, small enough that each reply is a short task. */
export const PARSE_BATCH = 100;

/** The worker script: the `.ts` beside this file from the sources, `parse-worker.cjs` beside the bundle in a build. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./parse-worker.ts', here) : new URL('./parse-worker.cjs', here);
}

let pool: WorkerPool<ParseTask, unknown> | null = null;
const thePool = () => (pool ??= new WorkerPool<ParseTask, unknown>('libvirt-xml', workerUrl()));

/**
 * Parses domain XML off the engine's thread (a domain costs 0.3–0.6 ms to parse: 10,000 of them
 * would freeze every window for seconds). Results come back in the order given, in batches, so the
 * engine's thread only ever takes one short reply at a time.
 */
export async function parseDomains(xmls: readonly string[]): Promise<ParseResult[]> {
  if (xmls.length === 0) return [];
  const batches: Promise<ParseResult[]>[] = [];
  for (let i = 0; i < xmls.length; i += PARSE_BATCH) batches.push(thePool().run({ kind: 'domains', xmls: xmls.slice(i, i + PARSE_BATCH) }) as Promise<ParseResult[]>);
  return (await Promise.all(batches)).flat();
}

/**
 * A host's capabilities XML read off the engine's thread (it is large: hundreds of kilobytes on a
 * host with many CPU models, read on every connect). Malformed XML is a LIBVIRT_ERROR, as inline.
 */
export async function parseCapabilities(xml: string): Promise<HostCapabilities> {
  return (await thePool().run({ kind: 'capabilities', xml }, { urgent: true })) as HostCapabilities;
}

/** Starts a parser thread ahead of need: a host is connecting, its capabilities and domains follow. */
export function warmParsePool(): void {
  thePool().warm();
}

/** Ends the workers (the engine's close; a new call starts them again). */
export async function closeParsePool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}

/** Worker threads running now (Diagnostics). */
export const parseWorkerCount = (): number => pool?.workers ?? 0;
