/**
 * The libvirt XML parser's worker thread: domain documents in batches (their summaries, or why each
 * could not be read) and host capabilities. Started by parse-pool.ts; bundled by scripts/build.mjs
 * as parse-worker.js.
 */
import { parentPort } from 'node:worker_threads';
import { serveWorker } from '../perf/worker-pool';
import { readCapabilitiesXml } from './capabilities';
import { parseDomainXml } from './domain-read';
import type { ParseResult, ParseTask } from './parse-pool';

void serveWorker<ParseTask, unknown>(parentPort!, (task) => {
  switch (task.kind) {
    case 'capabilities':
      return readCapabilitiesXml(task.xml);
    case 'domains':
      return task.xmls.map((xml): ParseResult => {
        try {
          return { summary: parseDomainXml(xml) };
        } catch (err) {
          return { error: err instanceof Error ? err.message : String(err) };
        }
      });
  }
});
