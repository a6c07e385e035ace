import crypto from 'node:crypto';
import type { BundleDomain, BundleSummary, LogMatch } from '../../contract/diagnostics';
import { parseDomains } from '../../xml/parse-pool';
import type { Manifest } from '../gather/bundle-writer';
import { summarizeInWorker } from '../work/diag-pool';
import { bundleError, indexBundle, type BundleStore } from './bundle-index';

/** What the file view shows of one file. */
const MAX_FILE_VIEW = 4 * 1024 * 1024;
/** Files read whole for the summary (facts, XMLs, the manifest); logs keep their tail. */
const MAX_PARSED = 16 * 1024 * 1024;
/** All of them together: a hostile bundle of many large facts files cannot fill memory. */
const MAX_PRELOAD = 96 * 1024 * 1024;

export interface OpenedBundle {
  id: string;
  path: string;
  root: string;
  store: BundleStore;
  manifest: Manifest | null;
  summary: BundleSummary;
}

/** The files the summary and the health checks read, by path. */
const SUMMARY_FILE = /^(version|skipped_hosts\.txt|hangar\/jobs\.json|hosts\/[^/]+\/(facts\.json|uname\.txt|clock\.txt|qemu-processes\.txt|libvirt\/tls-expiry\.txt|logs\/journal-kernel\.txt|logs\/dmesg\.txt|libvirt\/domains\/[^/]+\.xml))$/;
const TAIL_FIRST = /\/logs\//;

/**
 * Opens a bundle file offline: no host, no network; everything from the archive, which is
 * unpacked once to a temporary file within BUNDLE_LIMITS and read back on demand.
 */
export async function openBundle(file: string, signal?: AbortSignal): Promise<OpenedBundle> {
  const { store, root } = await indexBundle(file, undefined, signal);
  try {
    const files = new Map<string, Buffer>();
    let loaded = 0;
    for (const e of store.entries.values()) {
      if (!SUMMARY_FILE.test(e.path) || loaded >= MAX_PRELOAD) continue;
      const b = await store.read(e.path, Math.min(MAX_PARSED, MAX_PRELOAD - loaded), TAIL_FIRST.test(e.path));
      loaded += b.length;
      files.set(e.path, b);
    }
    let manifest: Manifest | null = null;
    const m = store.entries.get('manifest.json');
    if (m && m.size <= MAX_PARSED) {
      try {
        manifest = JSON.parse((await store.read('manifest.json')).toString('utf8')) as Manifest;
      } catch {
        manifest = null;
      }
    }
    if (!manifest && !store.entries.has('version')) throw bundleError('INVALID_PARAMS', `${file} has no manifest.json or version: not a Hangar bundle`, 'diag.bundle.error.notBundle', { path: file });
    const id = crypto.randomUUID();
    return { id, path: file, root, store, manifest, summary: await summarize(id, file, store, files, manifest) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Files whose sha256 (computed while unpacking) differs from the manifest's, or that are missing. */
export function verifyChecksums(store: BundleStore, manifest: Manifest): string[] {
  const bad: string[] = [];
  for (const [p, f] of Object.entries(manifest.files)) if (store.entries.get(p)?.sha256 !== f.sha256) bad.push(p);
  return bad;
}

async function summarize(id: string, file: string, store: BundleStore, files: Map<string, Buffer>, manifest: Manifest | null): Promise<BundleSummary> {
  const items = manifest?.items ?? [];
  const failed = items.filter((i) => i.exitCode !== 0);
  const { hosts, findings } = await summarizeInWorker(files, manifest);
  return {
    bundleId: id,
    path: file,
    version: files.get('version')?.toString('utf8').trim() ?? 'unknown',
    createdAt: manifest?.createdAt ?? null,
    options: manifest?.options ?? {},
    hosts,
    skipped: (files.get('skipped_hosts.txt')?.toString('utf8') ?? '').split('\n').filter(Boolean),
    failedItems: failed.map((i) => ({ host: i.host ?? 'hangar', out: i.out, command: i.command, exitCode: i.exitCode, stderr: (i.error ? `${i.error}\n` : '') + i.stderr.slice(0, 500) })),
    findings,
    files: store.entries.size,
    checksumsOk: manifest ? verifyChecksums(store, manifest).length === 0 : false,
  };
}

export function bundleTree(b: OpenedBundle): Array<{ path: string; size: number }> {
  return [...b.store.entries.values()].map((e) => ({ path: e.path, size: e.size })).sort((a, c) => a.path.localeCompare(c.path));
}

const isBinary = (head: Buffer): boolean => head.subarray(0, 8192).includes(0);

export async function fileContent(b: OpenedBundle, p: string): Promise<{ content: string; truncated: boolean; binary: boolean }> {
  const buf = await b.store.read(p, MAX_FILE_VIEW);
  if (isBinary(buf)) return { content: '', truncated: false, binary: true };
  return { content: buf.toString('utf8'), truncated: b.store.entries.get(p)!.size > MAX_FILE_VIEW, binary: false };
}

const LOGISH = /(^|\/)(logs\/|files\/var\/log\/)|\.log(\.\d+)?$|journal|dmesg/;

/** A time at the start of a log line: ISO (journal short-iso, libvirt logs) or syslog "Mon DD HH:MM:SS". */
export function lineTime(line: string, year: number): number | null {
  const iso = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(line);
  if (iso) {
    const t = Date.parse(iso[1]!.replace(' ', 'T'));
    return Number.isFinite(t) ? t : null;
  }
  const dmesg = /^\[([A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})\]/.exec(line); // dmesg -T
  if (dmesg) {
    const t = Date.parse(dmesg[1]!);
    return Number.isFinite(t) ? t : null;
  }
  const sys = /^([A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2})/.exec(line);
  if (sys) {
    const t = Date.parse(`${sys[1]} ${year}`);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

/** Searches the logs of every host (plain text, case-insensitive), optionally within a time window. */
export async function searchLogs(b: OpenedBundle, q: { query: string; from?: number | undefined; to?: number | undefined; hosts?: string[] | undefined; limit: number }): Promise<{ matches: LogMatch[]; truncated: boolean }> {
  const needle = q.query.toLowerCase();
  const year = new Date(b.manifest?.createdAt ?? Date.now()).getFullYear();
  const matches: LogMatch[] = [];
  for (const p of [...b.store.entries.keys()].sort((a, c) => a.localeCompare(c))) {
    if (!LOGISH.test(p)) continue;
    const host = /^hosts\/([^/]+)\//.exec(p)?.[1] ?? null;
    if (q.hosts && q.hosts.length && (!host || !q.hosts.includes(host))) continue;
    if (isBinary(await b.store.read(p, 8192))) continue;
    let last: number | null = null;
    let lineNo = 0;
    for await (const line of b.store.lines(p)) {
      lineNo++;
      if (line.length === 0) continue;
      const t = lineTime(line, year);
      if (t !== null) last = t; // continuation lines belong to the previous timestamp
      if (needle && !line.toLowerCase().includes(needle)) continue;
      if ((q.from !== undefined || q.to !== undefined) && (last === null || (q.from !== undefined && last < q.from) || (q.to !== undefined && last > q.to))) continue;
      matches.push({ path: p, host, lineNo, line: line.slice(0, 2000), at: last });
      if (matches.length >= q.limit) return { matches, truncated: true };
    }
  }
  return { matches, truncated: false };
}

export async function bundleDomains(b: OpenedBundle): Promise<BundleDomain[]> {
  const found: Array<{ host: string; xml: string }> = [];
  for (const e of b.store.entries.values()) {
    const m = /^hosts\/([^/]+)\/libvirt\/domains\/[^/]+\.xml$/.exec(e.path);
    if (!m || e.size > MAX_PARSED) continue;
    found.push({ host: m[1]!, xml: (await b.store.read(e.path)).toString('utf8') });
  }
  // Parsed in the XML worker threads, as the inventory's are.
  const parsed = await parseDomains(found.map((f) => f.xml));
  const out: BundleDomain[] = [];
  parsed.forEach((r, i) => {
    // unparseable XML stays readable in the file tree
    if (!('summary' in r)) return;
    const d = r.summary;
    const { host, xml } = found[i]!;
    out.push({
      host,
      name: d.name,
      uuid: d.uuid,
      vcpus: d.vcpus,
      memoryKiB: d.memoryKiB,
      arch: d.arch,
      machine: d.machine,
      firmware: d.firmware,
      disks: d.disks.map((x) => ({ target: x.target, device: x.device, source: x.source, format: x.format })),
      nics: d.nics.map((n) => ({ mac: n.mac, source: n.source, model: n.model })),
      xml,
    });
  });
  return out.sort((a, c) => a.host.localeCompare(c.host) || a.name.localeCompare(c.name));
}
