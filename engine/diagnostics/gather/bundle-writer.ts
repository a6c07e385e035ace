import { BUNDLE_LIMITS } from '../bundle/limits';
import { TarGzWriter } from '../bundle/tar';
import { manifestBytes, packEntry } from '../work/diag-pool';
import { isForbidden } from './redact';

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

  /**
   * Adds a file (serialised: the tar is one stream; its redaction, cut and hash run meanwhile in the
   * diagnostics worker). Forbidden host paths never get in.
   */
  put(rel: string, data: Buffer | string, opts: { remotePath?: string; mtimeMs?: number } = {}): Promise<void> {
    if (opts.remotePath && isForbidden(opts.remotePath)) return Promise.resolve();
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // The name is taken now, in call order, so two files of one name never race for it.
    const name = uniqueName(this.manifest.files, rel);
    this.manifest.files[name] = { sha256: '', bytes: 0, redactions: 0 };
    const prepared = packEntry(buf, this.redact, BUNDLE_LIMITS.entryBytes);
    prepared.catch(() => undefined);
    const next = this.chain.then(async () => {
      const p = await prepared;
      this.manifest.files[name] = { sha256: p.sha256, bytes: p.data.length, redactions: p.redactions, ...(p.full > p.data.length ? { truncatedFrom: p.full } : {}) };
      await this.tar.add(`${this.root}/${name}`, p.data, opts.mtimeMs);
    });
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
    // After every file is in: their hashes are filled in as each is written.
    await this.chain;
    const manifest = await manifestBytes(this.manifest, this.redact);
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
