/**
 * The domain XML parser's worker thread: a batch of XML documents in, their summaries (or why each
 * could not be read) out. Started by parse-pool.ts; bundled by scripts/build.mjs as parse-worker.js.
 */
import { parentPort } from 'node:worker_threads';
import { serveWorker } from '../perf/worker-pool';
import { parseDomainXml } from '../xml/domain-read';
import type { ParseResult } from './parse-pool';

void serveWorker<string[], ParseResult[]>(parentPort!, (xmls) =>
  xmls.map((xml): ParseResult => {
    try {
      return { summary: parseDomainXml(xml) };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }),
);
