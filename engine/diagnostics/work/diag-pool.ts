import { WorkerPool } from '../../perf/worker-pool';
import type { BundleSummary } from '../../contract/diagnostics';
import type { Manifest } from '../gather/bundle-writer';

/** One bundle entry to prepare: redacted (when asked), cut to its tail past `maxBytes`, hashed. */
export interface PackTask {
  kind: 'pack';
  data: Uint8Array;
  redact: boolean;
  maxBytes: number;
}
export interface Packed {
  data: Uint8Array;
  sha256: string;
  redactions: number;
  /** The size before the cut. */
  full: number;
}

/** An opened bundle's summary files (facts, XMLs, logs' tails) read into hosts and health findings. */
export interface SummaryTask {
  kind: 'summary';
  files: Array<[string, Uint8Array]>;
  manifest: Manifest | null;
}
export type SummaryOut = Pick<BundleSummary, 'hosts' | 'findings'>;

/** The manifest as JSON, its texts (stderr, errors, commands) redacted value by value so masking never breaks it. */
export interface ManifestTask {
  kind: 'manifest';
  manifest: Manifest;
  redact: boolean;
}

export type DiagTask = PackTask | SummaryTask | ManifestTask;

/**
 * The bytes of a view on their own. A message copies a view's whole ArrayBuffer, not the view: a
 * small string's Buffer is a slice of Node's 8 KiB pool, a log's kept tail a slice of the whole log.
 */
export const ownBytes = (u: Uint8Array): Uint8Array => (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u : u.slice());

function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./diag-worker.ts', here) : new URL('./diag-worker.cjs', here);
}

let pool: WorkerPool<DiagTask, unknown> | null = null;
// Two at most: a gather packs while the machine is busy collecting; one core stays with the engine.
const thePool = () => (pool ??= new WorkerPool<DiagTask, unknown>('diagnostics', workerUrl(), 2));

/**
 * Redaction (regular expressions over every byte of every log), the tail cut and SHA-256 of a
 * bundle entry, off the engine's thread: at 500 domains a host's bundle is tens of megabytes, and
 * scanning it inline froze every window for seconds.
 */
export async function packEntry(data: Buffer, redact: boolean, maxBytes: number): Promise<{ data: Buffer; sha256: string; redactions: number; full: number }> {
  const r = (await thePool().run({ kind: 'pack', data: ownBytes(data), redact, maxBytes })) as Packed;
  return { ...r, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength) };
}

/** The manifest's bytes (a gather of 500 domains per host lists thousands of items). */
export async function manifestBytes(manifest: Manifest, redact: boolean): Promise<Buffer> {
  const u = (await thePool().run({ kind: 'manifest', manifest, redact })) as Uint8Array;
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** A bundle's hosts and health findings, read off the engine's thread (hundreds of domain XMLs). */
export async function summarizeInWorker(files: Map<string, Buffer>, manifest: Manifest | null): Promise<SummaryOut> {
  return (await thePool().run({ kind: 'summary', files: [...files].map(([p, b]): [string, Uint8Array] => [p, ownBytes(b)]), manifest })) as SummaryOut;
}

/** Ends the workers (the engine's close; a new call starts them again). */
export async function closeDiagPool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}
