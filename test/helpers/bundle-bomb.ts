import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { tarFileHeader } from '../../engine/diagnostics/bundle/tar';

/**
 * Writes a decompression bomb shaped like a Hangar bundle (manifest.json and version, then zeros)
 * in well under a second: gzip members concatenate, so one compressed MiB of zeros is repeated.
 * `entryMiB` per zero entry; `totalMiB` of zeros in all. The file is about totalMiB KiB.
 */
export async function writeBomb(file: string, opts: { entryMiB: number; totalMiB: number }): Promise<void> {
  const MiB = 1024 * 1024;
  const gz = (b: Buffer): Buffer => zlib.gzipSync(b, { level: 9 });
  const zeroMiB = gz(Buffer.alloc(MiB));
  const parts: Buffer[] = [];
  const small = (name: string, body: string): void => {
    const b = Buffer.from(body);
    parts.push(gz(Buffer.concat([tarFileHeader(name, b.length), b, Buffer.alloc((512 - (b.length % 512)) % 512)])));
  };
  small('diag-bomb/version', 'Hangar 0\n');
  small('diag-bomb/manifest.json', JSON.stringify({ format: 'hangar-bundle/1', appVersion: '0', createdAt: Date.now(), redacted: true, options: {}, items: [], files: {} }));
  for (let left = opts.totalMiB, i = 0; left > 0; i++) {
    const n = Math.min(opts.entryMiB, left);
    left -= n;
    parts.push(gz(tarFileHeader(`diag-bomb/hosts/x/files/zero-${i}.log`, n * MiB)));
    for (let k = 0; k < n; k++) parts.push(zeroMiB);
  }
  parts.push(gz(Buffer.alloc(1024)));
  await fs.writeFile(file, Buffer.concat(parts));
}
