import { WorkerPool } from '../perf/worker-pool';
import type { DomainSummary } from '../xml/domain-read';

export type ParseResult = { summary: DomainSummary } | { error: string };

/** XML documents per message: big enough that messaging costs little, small enough that each reply is a short task. */
export const PARSE_BATCH = 100;

/** The worker script: the `.ts` beside this file from the sources, `parse-worker.js` beside the bundle in a build. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./parse-worker.ts', here) : new URL('./parse-worker.js', here);
}

let pool: WorkerPool<string[], ParseResult[]> | null = null;

/**
 * Parses domain XML off the engine's thread (a domain costs 0.3–0.6 ms to parse: 10,000 of them
 * would freeze every window for seconds). Results come back in the order given, in batches, so the
 * engine's thread only ever takes one short reply at a time.
 */
export async function parseDomains(xmls: readonly string[]): Promise<ParseResult[]> {
  if (xmls.length === 0) return [];
  pool ??= new WorkerPool<string[], ParseResult[]>('domain-xml', workerUrl());
  const batches: Promise<ParseResult[]>[] = [];
  for (let i = 0; i < xmls.length; i += PARSE_BATCH) batches.push(pool.run(xmls.slice(i, i + PARSE_BATCH)));
  return (await Promise.all(batches)).flat();
}

/** Ends the workers (the engine's close; a new call starts them again). */
export async function closeParsePool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}

/** Worker threads running now (Diagnostics). */
export const parseWorkerCount = (): number => pool?.workers ?? 0;
