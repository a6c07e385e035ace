import crypto from 'node:crypto';
import { BUNDLE_LIMITS } from '../bundle/limits';
import { TarGzWriter } from '../bundle/tar';
import { isForbidden, redactBuffer, redactStrings } from './redact';

export interface ManifestItem {
  host: string | null;
  /** The file it produced, relative to the bundle root (or the folder, for a files item). */
  out: string;
  kind: 'command' | 'files' | 'libvirt' | 'hangar';
  command: string;
  exitCode: number | null;
  /** When it started (epoch ms, Hangar's clock): with clock.txt it measures the host's clock offset. */
  startedAt?: number;
  durationMs: number;
  stderr: string;
  /** Why it failed when it did not even run (timeout, connection lost, libvirt error). */
  error?: string;
}

export interface ManifestFile {
  sha256: string;
  bytes: number;
  redactions: number;
  /** Set when only the file's last BUNDLE_LIMITS.entryBytes were kept: its full size. */
  truncatedFrom?: number;
}

export interface Manifest {
  format: 'hangar-bundle/1';
  appVersion: string;
  createdAt: number;
  redacted: boolean;
  options: Record<string, unknown>;
  items: ManifestItem[];
  files: Record<string, ManifestFile>;
}

/**
 * The bundle being written: every byte goes through here, so every file, command output, log and
 * the manifest itself is redacted (unless the user confirmed otherwise); files are hashed for the
 * manifest and appended to the .tar.gz in order.
 */
export class BundleWriter {
  private readonly tar: TarGzWriter;
  private chain: Promise<void> = Promise.resolve();
  readonly manifest: Manifest;
  private readonly log: string[] = [];

  constructor(
    file: string,
    private readonly root: string,
    private readonly redact: boolean,
    meta: { appVersion: string; options: Record<string, unknown> },
  ) {
    this.tar = new TarGzWriter(file);
    this.manifest = { format: 'hangar-bundle/1', appVersion: meta.appVersion, createdAt: Date.now(), redacted: redact, options: meta.options, items: [], files: {} };
  }

  /** Adds a file (serialised: the tar is one stream). Forbidden host paths never get in. */
  put(rel: string, data: Buffer | string, opts: { remotePath?: string; mtimeMs?: number } = {}): Promise<void> {
    if (opts.remotePath && isForbidden(opts.remotePath)) return Promise.resolve();
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let redactions = 0;
    // Images too: their bytes are scanned like any binary file's (a text chunk can carry a secret).
    if (this.redact) {
      const r = redactBuffer(buf);
      buf = r.data;
      redactions = r.count;
    }
    // The viewer refuses larger entries (a decompression bomb's shape): a huge log keeps its tail,
    // as sos keeps the end of the logs it cuts. Redacted first, so a cut never splits a secret open.
    const full = buf.length;
    if (full > BUNDLE_LIMITS.entryBytes) {
      const tail = buf.subarray(full - BUNDLE_LIMITS.entryBytes);
      const nl = tail.indexOf(0x0a);
      buf = nl >= 0 && nl < 4096 ? tail.subarray(nl + 1) : tail;
    }
    const name = uniqueName(this.manifest.files, rel);
    this.manifest.files[name] = { sha256: crypto.createHash('sha256').update(buf).digest('hex'), bytes: buf.length, redactions, ...(full > buf.length ? { truncatedFrom: full } : {}) };
    const next = this.chain.then(() => this.tar.add(`${this.root}/${name}`, buf, opts.mtimeMs));
    this.chain = next.catch(() => undefined);
    return next;
  }

  item(i: ManifestItem): void {
    this.manifest.items.push({ ...i, stderr: i.stderr.slice(0, 4000) });
  }

  logLine(line: string): void {
    this.log.push(`${new Date().toISOString()} ${line}`);
  }

  async finish(extra: { skipped: string[]; version: string }): Promise<void> {
    await this.put('skipped_hosts.txt', extra.skipped.join('\n') + (extra.skipped.length ? '\n' : ''));
    await this.put('version', extra.version);
    await this.put('must-gather.log', this.log.join('\n') + '\n');
    // The manifest is last and not listed in itself. Its texts (stderr, errors, commands) are
    // redacted value by value, so masking never breaks its JSON.
    const manifest = Buffer.from(JSON.stringify(this.redact ? redactStrings(this.manifest) : this.manifest, null, 1));
    await this.chain;
    await this.tar.add(`${this.root}/manifest.json`, manifest);
    await this.tar.close();
  }

  abort(): Promise<void> {
    return this.tar.abort();
  }
}

function uniqueName(files: Record<string, unknown>, rel: string): string {
  if (!(rel in files)) return rel;
  for (let i = 2; ; i++) if (!(`${rel}.${i}` in files)) return `${rel}.${i}`;
}

/** A path segment from a host or VM name: nothing that climbs out of its folder. */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return s.length ? s.slice(0, 120) : '_';
}
