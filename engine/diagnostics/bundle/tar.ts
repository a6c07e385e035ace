import { once } from 'node:events';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';

/**
 * A minimal POSIX tar (ustar + pax for long names) writer and streaming reader. Hangar writes
 * bundles itself so no path ever reaches a local shell, and reads them back without any native
 * tool, on every OS, never holding a whole archive in memory.
 */
const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtimeSec: number, type: '0' | 'x' | '5', mode: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(Math.max(0, Math.floor(mtimeSec)), 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

const pad = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);

/** A regular file's ustar header (tests build hostile archives with it). */
export const tarFileHeader = (name: string, size: number, mtimeMs = Date.now()): Buffer => header(name, size, mtimeMs / 1000, '0', 0o644);

/** Streams a .tar.gz to a file; `add` waits for the disk when the gzip buffer is full. */
export class TarGzWriter {
  private readonly tar = new PassThrough();
  private readonly done: Promise<void>;

  constructor(file: string) {
    this.done = pipeline(this.tar, zlib.createGzip({ level: 6 }), fs.createWriteStream(file, { mode: 0o600 }));
    this.done.catch(() => undefined);
  }

  async add(name: string, data: Buffer, mtimeMs = Date.now()): Promise<void> {
    const mtime = mtimeMs / 1000;
    if (Buffer.byteLength(name) > 100) {
      const pax = Buffer.from(paxRecord('path', name), 'utf8');
      await this.write(header('PaxHeader', pax.length, mtime, 'x', 0o644));
      await this.write(pax);
      await this.write(pad(pax.length));
    }
    await this.write(header(name.slice(0, 100), data.length, mtime, '0', 0o644));
    await this.write(data);
    await this.write(pad(data.length));
  }

  async close(): Promise<void> {
    this.tar.end(Buffer.alloc(BLOCK * 2, 0));
    await this.done;
  }

  /** Stops writing (a cancelled gather); the partial file is the caller's to delete. */
  async abort(): Promise<void> {
    this.tar.destroy();
    await this.done.catch(() => undefined);
  }

  private async write(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    if (!this.tar.write(b)) await once(this.tar, 'drain');
  }
}

export interface TarEntry {
  name: string;
  data: Buffer;
  mtimeMs: number;
}

/** A regular file's header, as the parser meets it (its `size` bytes of data follow). */
export interface TarHeader {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface TarCallbacks {
  /** May throw to refuse the archive (a size over a limit). */
  entry(h: TarHeader): void;
  /** A piece of the current entry's data; valid only during the call. */
  data(chunk: Buffer): void;
  entryEnd(): void;
}

function readString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul === -1 ? s.length : nul).toString('utf8');
}

function readOctal(b: Buffer, start: number, len: number): number {
  const s = readString(b, start, len).trim();
  if (!s) return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error('not a tar archive (a header field is not a number)');
  return parseInt(s, 8);
}

/** Sizes past 8 GiB are GNU base-256; read as a Number (exact far beyond any size a limit allows). */
function readSize(h: Buffer): number {
  if ((h[124]! & 0x80) === 0) return readOctal(h, 124, 12);
  let n = h[124]! & 0x7f;
  for (let i = 125; i < 136; i++) n = n * 256 + h[i]!;
  return n;
}

/** Metadata entries (pax headers, GNU long names) are read whole: they are small or hostile. */
const META_MAX = 1024 * 1024;

/**
 * An incremental tar parser: fed chunk by chunk (a gunzip stream), it never holds more than one
 * header and the current data chunk. Regular files only; directories, links and devices are skipped.
 */
export class TarParser {
  private readonly header = Buffer.alloc(BLOCK);
  private headerLen = 0;
  private state: 'header' | 'data' | 'meta' | 'skip' = 'header';
  private remaining = 0;
  private padding = 0;
  private meta: Buffer[] = [];
  private metaType = '';
  private paxPath: string | null = null;
  private longName: string | null = null;
  /** The end-of-archive block was seen; whatever follows is ignored. */
  done = false;

  constructor(private readonly cb: TarCallbacks) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.done) {
      const rest = chunk.length - off;
      if (this.state === 'header') {
        const take = Math.min(BLOCK - this.headerLen, rest);
        chunk.copy(this.header, this.headerLen, off, off + take);
        this.headerLen += take;
        off += take;
        if (this.headerLen === BLOCK) {
          this.headerLen = 0;
          this.onHeader(this.header);
        }
      } else if (this.state === 'skip') {
        const take = Math.min(this.padding, rest);
        this.padding -= take;
        off += take;
        if (this.padding === 0) this.state = 'header';
      } else {
        const take = Math.min(this.remaining, rest);
        const piece = chunk.subarray(off, off + take);
        off += take;
        this.remaining -= take;
        if (this.state === 'meta') this.meta.push(Buffer.from(piece));
        else this.cb.data(piece);
        if (this.remaining === 0) this.endBody();
      }
    }
  }

  /** The stream ended: throws when it stopped inside an entry. */
  end(): void {
    if (!this.done && (this.state !== 'header' || this.headerLen > 0)) throw new Error('the archive is truncated');
  }

  private onHeader(h: Buffer): void {
    if (h.every((x) => x === 0)) {
      this.done = true;
      return;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (readOctal(h, 148, 8) !== sum) throw new Error('not a tar archive (a header checksum is wrong)');
    const size = readSize(h);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = readString(h, 345, 155);
    const base = readString(h, 0, 100);
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'L' || type === 'g') {
      if (size > META_MAX) throw new Error('not a Hangar bundle (an oversized tar metadata entry)');
      this.metaType = type;
      this.meta = [];
      this.state = 'meta';
    } else if (type === '0' || type === '\0' || type === '7') {
      const name = this.paxPath ?? this.longName ?? (prefix && readString(h, 257, 5) === 'ustar' ? `${prefix}/${base}` : base);
      this.paxPath = null;
      this.longName = null;
      this.cb.entry({ name, size, mtimeMs: readOctal(h, 136, 12) * 1000 });
      this.state = 'data';
    } else {
      if (size > META_MAX) throw new Error('not a Hangar bundle (an oversized special tar entry)');
      this.padding += size;
      this.remaining = 0;
      this.state = 'skip';
    }
    if (this.state !== 'skip' && size === 0) this.endBody();
    else if (this.state === 'skip' && this.padding === 0) this.state = 'header';
  }

  private endBody(): void {
    if (this.state === 'meta') {
      const text = Buffer.concat(this.meta).toString('utf8');
      this.meta = [];
      if (this.metaType === 'x') this.paxPath = /\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? null;
      else if (this.metaType === 'L') this.longName = text.replace(/\0[\s\S]*$/, '');
    } else {
      this.cb.entryEnd();
    }
    this.state = this.padding > 0 ? 'skip' : 'header';
  }
}

/** Parses an uncompressed tar held in memory (a host's file stream during a gather). */
export function parseTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let cur: { h: TarHeader; parts: Buffer[] } | null = null;
  const p = new TarParser({
    entry: (h) => (cur = { h, parts: [] }),
    data: (c) => cur!.parts.push(Buffer.from(c)),
    entryEnd: () => {
      out.push({ name: cur!.h.name, mtimeMs: cur!.h.mtimeMs, data: Buffer.concat(cur!.parts) });
      cur = null;
    },
  });
  p.push(buf);
  return out;
}

/** True when a file starts with gzip's magic bytes. */
export async function isGzipFile(file: string): Promise<boolean> {
  const h = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await h.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await h.close();
  }
}

/**
 * Reads a whole (small) .tar.gz into memory, streaming it, within `maxBytes` unpacked: for tests
 * and benchmarks that inspect a bundle. The viewer indexes bundles on disk instead (bundle-index.ts).
 */
export async function readTarGz(file: string, maxBytes = 1024 * 1024 * 1024): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  let cur: { h: TarHeader; parts: Buffer[] } | null = null;
  let total = 0;
  const parser = new TarParser({
    entry: (h) => {
      total += h.size;
      if (total > maxBytes) throw new Error(`unpacks to more than ${maxBytes} bytes`);
      cur = { h, parts: [] };
    },
    data: (c) => cur!.parts.push(Buffer.from(c)),
    entryEnd: () => {
      out.push({ name: cur!.h.name, mtimeMs: cur!.h.mtimeMs, data: Buffer.concat(cur!.parts) });
      cur = null;
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        parser.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  const src = fs.createReadStream(file);
  await ((await isGzipFile(file)) ? pipeline(src, zlib.createGunzip(), sink) : pipeline(src, sink));
  parser.end();
  return out;
}
