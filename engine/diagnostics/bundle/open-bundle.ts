import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { HangarError } from '../../contract/errors';
import type { BundleDomain, BundleSummary, LogMatch } from '../../contract/diagnostics';
import { parseDomainXml } from '../../inventory/domain-xml';
import type { Manifest } from '../gather/bundle-writer';
import type { HostFactsFile } from '../gather/collect-host';
import { evaluate } from '../health/evaluate';
import { snapshotFromBundle } from '../health/from-bundle';
import { readTarGz } from './tar';

const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;
const MAX_FILE_VIEW = 4 * 1024 * 1024;

export interface OpenedBundle {
  id: string;
  path: string;
  root: string;
  files: Map<string, Buffer>;
  manifest: Manifest | null;
  summary: BundleSummary;
}

/** Opens a bundle file offline: no host, no network; everything from the archive. */
export async function openBundle(file: string): Promise<OpenedBundle> {
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    throw new HangarError('NOT_FOUND', `No bundle at ${file}`);
  }
  if (!st.isFile()) throw new HangarError('INVALID_PARAMS', `${file} is not a file`);
  if (st.size > MAX_BUNDLE_BYTES) throw new HangarError('INVALID_PARAMS', `${file} is larger than 1 GiB`);
  let entries;
  try {
    entries = await readTarGz(file);
  } catch (err) {
    throw new HangarError('INVALID_PARAMS', `${file} is not a readable .tar.gz bundle: ${String(err instanceof Error ? err.message : err)}`);
  }
  // Bundles have one top folder (diag-…); paths are kept relative to it.
  const root = entries[0]?.name.split('/')[0] ?? '';
  const files = new Map<string, Buffer>();
  for (const e of entries) files.set(e.name.startsWith(`${root}/`) ? e.name.slice(root.length + 1) : e.name, e.data);
  let manifest: Manifest | null = null;
  try {
    manifest = files.has('manifest.json') ? (JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest) : null;
  } catch {
    manifest = null;
  }
  if (!manifest && !files.has('version')) throw new HangarError('INVALID_PARAMS', `${file} has no manifest.json or version: not a Hangar bundle`);
  const id = crypto.randomUUID();
  return { id, path: file, root, files, manifest, summary: summarize(id, file, files, manifest) };
}

export function verifyChecksums(files: ReadonlyMap<string, Buffer>, manifest: Manifest): string[] {
  const bad: string[] = [];
  for (const [p, f] of Object.entries(manifest.files)) {
    const b = files.get(p);
    if (!b || crypto.createHash('sha256').update(b).digest('hex') !== f.sha256) bad.push(p);
  }
  return bad;
}

function summarize(id: string, file: string, files: Map<string, Buffer>, manifest: Manifest | null): BundleSummary {
  const items = manifest?.items ?? [];
  const failed = items.filter((i) => i.exitCode !== 0);
  const hosts: BundleSummary['hosts'] = [];
  for (const [p, buf] of files) {
    const m = /^hosts\/([^/]+)\/facts\.json$/.exec(p);
    if (!m) continue;
    try {
      const f = JSON.parse(buf.toString('utf8')) as HostFactsFile;
      hosts.push({
        name: f.name,
        hostname: f.hostname,
        libvirtVersion: f.libvirtVersion,
        qemuVersion: f.qemuVersion,
        kernel: files.get(`hosts/${m[1]}/uname.txt`)?.toString('utf8').trim() || null,
        vms: f.domains.map((d) => ({ name: d.name, uuid: d.uuid, state: d.state, reason: null })),
        failedItems: failed.filter((i) => i.host === f.name).length,
      });
    } catch {
      // a damaged facts file: the host still shows in the file tree
    }
  }
  const snap = snapshotFromBundle(files, items, manifest?.createdAt ?? Date.now());
  return {
    bundleId: id,
    path: file,
    version: files.get('version')?.toString('utf8').trim() ?? 'unknown',
    createdAt: manifest?.createdAt ?? null,
    options: manifest?.options ?? {},
    hosts: hosts.sort((a, b) => a.name.localeCompare(b.name)),
    skipped: (files.get('skipped_hosts.txt')?.toString('utf8') ?? '').split('\n').filter(Boolean),
    failedItems: failed.map((i) => ({ host: i.host ?? 'hangar', out: i.out, command: i.command, exitCode: i.exitCode, stderr: (i.error ? `${i.error}\n` : '') + i.stderr.slice(0, 500) })),
    findings: evaluate(snap),
    files: files.size,
    checksumsOk: manifest ? verifyChecksums(files, manifest).length === 0 : false,
  };
}

export function fileContent(b: OpenedBundle, p: string): { content: string; truncated: boolean; binary: boolean } {
  const buf = b.files.get(p);
  if (!buf) throw new HangarError('NOT_FOUND', `No file ${p} in the bundle`);
  const binary = buf.subarray(0, 8192).includes(0);
  if (binary) return { content: '', truncated: false, binary: true };
  return { content: buf.subarray(0, MAX_FILE_VIEW).toString('utf8'), truncated: buf.length > MAX_FILE_VIEW, binary: false };
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
export function searchLogs(b: OpenedBundle, q: { query: string; from?: number | undefined; to?: number | undefined; hosts?: string[] | undefined; limit: number }): { matches: LogMatch[]; truncated: boolean } {
  const needle = q.query.toLowerCase();
  const year = new Date(b.manifest?.createdAt ?? Date.now()).getFullYear();
  const matches: LogMatch[] = [];
  for (const [p, buf] of [...b.files].sort(([a], [c]) => a.localeCompare(c))) {
    if (!LOGISH.test(p)) continue;
    const host = /^hosts\/([^/]+)\//.exec(p)?.[1] ?? null;
    if (q.hosts && q.hosts.length && (!host || !q.hosts.includes(host))) continue;
    if (buf.subarray(0, 8192).includes(0)) continue;
    const lines = buf.toString('utf8').split('\n');
    let last: number | null = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      const t = lineTime(line, year);
      if (t !== null) last = t; // continuation lines belong to the previous timestamp
      if (needle && !line.toLowerCase().includes(needle)) continue;
      if ((q.from !== undefined || q.to !== undefined) && (last === null || (q.from !== undefined && last < q.from) || (q.to !== undefined && last > q.to))) continue;
      matches.push({ path: p, host, lineNo: i + 1, line: line.slice(0, 2000), at: last });
      if (matches.length >= q.limit) return { matches, truncated: true };
    }
  }
  return { matches, truncated: false };
}

export function bundleDomains(b: OpenedBundle): BundleDomain[] {
  const out: BundleDomain[] = [];
  for (const [p, buf] of b.files) {
    const m = /^hosts\/([^/]+)\/libvirt\/domains\/[^/]+\.xml$/.exec(p);
    if (!m) continue;
    const xml = buf.toString('utf8');
    try {
      const d = parseDomainXml(xml);
      out.push({
        host: m[1]!,
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
    } catch {
      // unparseable XML stays readable in the file tree
    }
  }
  return out.sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
}
