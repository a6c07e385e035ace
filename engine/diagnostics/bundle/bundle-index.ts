import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { HangarError } from '../../contract/errors';
import { BUNDLE_LIMITS } from './limits';
import { isGzipFile, TarParser } from './tar';

export interface IndexedEntry {
  /** Relative to the bundle's top folder. */
  path: string;
  /** Where its bytes sit in the unpacked cache file. */
  offset: number;
  size: number;
  sha256: string;
}

type Limits = { [K in keyof typeof BUNDLE_LIMITS]: number };

/** A refusal a person can read in their language: the key and values travel in details.message. */
export function bundleError(code: 'INVALID_PARAMS' | 'NOT_FOUND', message: string, key: string, args: Record<string, string | number> = {}): HangarError {
  return new HangarError(code, message, { message: { key, args } });
}

const MiB = (n: number): string => `${Math.round(n / 1024 / 1024)} MiB`;

/**
 * An opened bundle's files, unpacked once into one temporary file and read back by offset. Memory
 * holds only the index; on POSIX the cache is unlinked at once, so it vanishes with the process.
 */
export class BundleStore {
  private busy = 0;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly fh: fs.promises.FileHandle,
    /** Still on disk (Windows cannot unlink an open file): removed on close. */
    private readonly leftover: string | null,
    readonly entries: ReadonlyMap<string, IndexedEntry>,
  ) {}

  /** Up to `max` bytes of a file: its start, or its end with `tail`. */
  async read(p: string, max = Infinity, tail = false): Promise<Buffer> {
    const e = this.entries.get(p);
    if (!e) throw bundleError('NOT_FOUND', `No file ${p} in the bundle`, 'diag.bundle.error.noFile', { path: p });
    const len = Math.min(e.size, max);
    return this.readAt(e.offset + (tail ? e.size - len : 0), len);
  }

  /** A file's lines, a chunk at a time (the event loop breathes between chunks). */
  async *lines(p: string, chunkBytes = 1024 * 1024): AsyncGenerator<string> {
    const e = this.entries.get(p);
    if (!e) return;
    let carry = Buffer.alloc(0);
    for (let at = 0; at < e.size; at += chunkBytes) {
      const buf = Buffer.concat([carry, await this.readAt(e.offset + at, Math.min(chunkBytes, e.size - at))]);
      let start = 0;
      for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
        yield buf.subarray(start, nl).toString('utf8');
        start = nl + 1;
      }
      const rest = buf.subarray(start);
      // A line longer than a chunk is cut there rather than grown without bound.
      if (rest.length > chunkBytes) {
        yield rest.toString('utf8');
        carry = Buffer.alloc(0);
      } else carry = Buffer.from(rest);
    }
    if (carry.length) yield carry.toString('utf8');
  }

  private async readAt(pos: number, len: number): Promise<Buffer> {
    if (this.closing) throw bundleError('NOT_FOUND', 'That bundle is no longer open: open it again', 'diag.bundle.error.closed');
    this.busy++;
    try {
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await this.fh.read(buf, got, len - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      this.busy--;
      if (this.closing && this.busy === 0) void this.close();
    }
  }

  /** Closes once reads in flight are done; later reads are refused. */
  close(): Promise<void> {
    this.closing = true;
    if (this.busy > 0) return Promise.resolve();
    this.closed ??= (async () => {
      await this.fh.close().catch(() => undefined);
      if (this.leftover) await fs.promises.rm(path.dirname(this.leftover), { recursive: true, force: true });
    })();
    return this.closed;
  }
}

/**
 * Streams a bundle once (gunzip on the thread pool, the tar parsed chunk by chunk, with
 * backpressure down to the disk), checking every limit as early as it can be known: an entry's
 * size is refused from its header, before a byte of it is unpacked. Each file is hashed on the
 * way, so checksums verify without reading anything again.
 */
export async function indexBundle(file: string, limits: Limits = BUNDLE_LIMITS, signal?: AbortSignal): Promise<{ store: BundleStore; root: string }> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    throw bundleError('NOT_FOUND', `No bundle at ${file}`, 'diag.bundle.error.notFound', { path: file });
  }
  if (!st.isFile()) throw bundleError('INVALID_PARAMS', `${file} is not a file`, 'diag.bundle.error.notFile', { path: file });
  if (st.size > limits.fileBytes) throw bundleError('INVALID_PARAMS', `${file} is larger than ${MiB(limits.fileBytes)}`, 'diag.bundle.error.fileTooBig', { limit: MiB(limits.fileBytes) });

  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hangar-bundle-'));
  const cachePath = path.join(dir, 'unpacked');
  const fh = await fs.promises.open(cachePath, 'w+', 0o600);
  let leftover: string | null = cachePath;
  if (process.platform !== 'win32') {
    await fs.promises.rm(dir, { recursive: true, force: true });
    leftover = null;
  }
  const entries = new Map<string, IndexedEntry>();
  let root: string | null = null;
  let pos = 0;
  let unpacked = 0;
  let declared = 0;
  let cur: { name: string; offset: number; size: number; hash: crypto.Hash } | null = null;
  let writes: Array<Promise<unknown>> = [];
  const refuse = (message: string, key: string, args: Record<string, string | number> = {}): never => {
    throw bundleError('INVALID_PARAMS', `${file}: ${message}; not opened`, key, args);
  };
  const parser = new TarParser({
    entry(h) {
      if (h.size > limits.entryBytes) refuse(`${h.name} unpacks to ${MiB(h.size)}, more than the ${MiB(limits.entryBytes)} a bundle file may be`, 'diag.bundle.error.entryTooBig', { name: h.name, size: MiB(h.size), limit: MiB(limits.entryBytes) });
      declared += h.size;
      if (declared > limits.totalBytes) refuse(`it unpacks to more than ${MiB(limits.totalBytes)}`, 'diag.bundle.error.tooBig', { limit: MiB(limits.totalBytes) });
      if (entries.size >= limits.entries) refuse(`it holds more than ${limits.entries} files`, 'diag.bundle.error.tooManyFiles', { limit: limits.entries });
      cur = { name: h.name, offset: pos, size: h.size, hash: crypto.createHash('sha256') };
    },
    data(chunk) {
      cur!.hash.update(chunk);
      writes.push(fh.write(chunk, 0, chunk.length, pos));
      pos += chunk.length;
    },
    entryEnd() {
      const c = cur!;
      cur = null;
      root ??= c.name.split('/')[0] ?? '';
      const rel = c.name.startsWith(`${root}/`) ? c.name.slice(root.length + 1) : c.name;
      entries.set(rel, { path: rel, offset: c.offset, size: c.size, sha256: c.hash.digest('hex') });
    },
  });
  const stop = new AbortController();
  const sink = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, cb) {
      try {
        unpacked += chunk.length;
        // Compressed bytes the inflater consumed (the file stream reads ahead of it).
        const packed = gunzip?.bytesWritten ?? src?.bytesRead ?? 0;
        // A bomb of many small zero-filled entries passes the size checks; its ratio does not.
        if (unpacked > limits.ratioAfterBytes && unpacked > packed * limits.maxRatio) refuse(`it unpacks more than ${limits.maxRatio} times its size, like a decompression bomb`, 'diag.bundle.error.ratio', { ratio: limits.maxRatio });
        parser.push(chunk);
      } catch (err) {
        cb(err as Error);
        return;
      }
      const pending = writes;
      writes = [];
      // The end of the archive is known: stop unpacking whatever trails it.
      if (parser.done) stop.abort();
      Promise.all(pending).then(() => cb(), (err: Error) => cb(err));
    },
  });
  let src: fs.ReadStream | null = null;
  let gunzip: zlib.Gunzip | null = null;
  try {
    try {
      const gz = await isGzipFile(file);
      src = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
      const either = signal ? AbortSignal.any([stop.signal, signal]) : stop.signal;
      gunzip = gz ? zlib.createGunzip({ chunkSize: 256 * 1024 }) : null;
      await (gunzip ? pipeline(src, gunzip, sink, { signal: either }) : pipeline(src, sink, { signal: either }));
    } catch (err) {
      if (signal?.aborted) throw new HangarError('CANCELLED', `${file}: another bundle was opened meanwhile`, { message: { key: 'diag.bundle.error.superseded', args: {} } });
      if (!(parser.done && stop.signal.aborted)) throw err;
    }
    await Promise.all(writes);
    parser.end();
  } catch (err) {
    await fh.close().catch(() => undefined);
    if (leftover) await fs.promises.rm(dir, { recursive: true, force: true });
    if (err instanceof HangarError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw bundleError('INVALID_PARAMS', `${file} is not a readable .tar.gz bundle: ${why}`, 'diag.bundle.error.unreadable', { reason: why });
  }
  return { store: new BundleStore(fh, leftover, entries), root: root ?? '' };
}
