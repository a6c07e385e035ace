/**
 * The diagnostics worker thread: bundle entries redacted, cut and hashed while a gather packs; the
 * manifest serialised; an opened bundle's summary read. Started by diag-pool.ts; bundled by
 * scripts/build.mjs as diag-worker.js.
 */
import { parentPort } from 'node:worker_threads';
import { serveWorker } from '../../perf/worker-pool';
import { readBundleSummary } from '../bundle/bundle-summary';
import { prepareEntry } from '../gather/prepare-entry';
import { redactStrings } from '../gather/redact';
import { ownBytes, type DiagTask, type Packed } from './diag-pool';

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

void serveWorker<DiagTask, unknown>(parentPort!, (task) => {
  switch (task.kind) {
    case 'pack': {
      const r = prepareEntry(asBuffer(task.data), task.redact, task.maxBytes);
      return { ...r, data: ownBytes(r.data) } satisfies Packed;
    }
    case 'manifest':
      return Buffer.from(JSON.stringify(task.redact ? redactStrings(task.manifest) : task.manifest, null, 1));
    case 'summary':
      return readBundleSummary(new Map(task.files.map(([p, u]) => [p, asBuffer(u)])), task.manifest);
  }
});
