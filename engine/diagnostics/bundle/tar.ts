import { once } from 'node:events';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { promisify } from 'node:util';

/**
 * A minimal POSIX tar (ustar + pax for long names) writer and reader. Hangar writes bundles itself
 * so no path ever reaches a local shell, and reads them back without any native tool, on every OS.
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

function readString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul === -1 ? s.length : nul).toString('utf8');
}

function readOctal(b: Buffer, start: number, len: number): number {
  const s = readString(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Parses an uncompressed tar: regular files only (directories, links and devices are skipped). */
export function parseTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let paxPath: string | null = null;
  let longName: string | null = null;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) break;
    const size = readOctal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = readString(h, 345, 155);
    const base = readString(h, 0, 100);
    const name = prefix && readString(h, 257, 5) === 'ustar' ? `${prefix}/${base}` : base;
    const data = buf.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      paxPath = m?.[1] ?? null;
      continue;
    }
    if (type === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (type === 'g') continue;
    const finalName = paxPath ?? longName ?? name;
    paxPath = null;
    longName = null;
    if (type === '0' || type === '\0' || type === '7') out.push({ name: finalName, data: Buffer.from(data), mtimeMs: readOctal(h, 136, 12) * 1000 });
  }
  return out;
}

const gunzip = promisify(zlib.gunzip);
const MAX_UNPACKED = 2 * 1024 * 1024 * 1024 - 1;

/** Reads a whole .tar.gz (zlib runs on the thread pool, not the engine's thread). */
export async function readTarGz(file: string): Promise<TarEntry[]> {
  const raw = await fs.promises.readFile(file);
  const isGzip = raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  // A bomb-shaped archive fails with a clear error instead of exhausting memory.
  return parseTar(isGzip ? await gunzip(raw, { maxOutputLength: MAX_UNPACKED }) : raw);
}
