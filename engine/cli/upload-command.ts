import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HangarError } from '../contract/errors';
import { UPLOAD_FORMATS, type TransferStats, type UploadFormat, type UploadResult } from '../contract/transfer';
import type { Engine } from '../engine';
import { withCliEngine } from './cli-engine';

export const UPLOAD_USAGE = `Usage: hangar upload FILE --host HOST --pool POOL [options]

Streams a disk image (qcow2, raw) or an ISO from this machine into a new volume of a pool on a host
Hangar knows (its data dir), through libvirt's volume upload. The SHA-256 is computed on the way
and checked on the host with sha256sum; qemu-img info there must show the format and no backing
file, else the volume is deleted. A broken link is resumed from the last offset the host verified.

  --host NAME                 the host, by name or id
  --pool POOL                 the storage pool (e.g. default)
  --name NAME                 the volume's name (default: the file's name)
  --format qcow2|raw|iso      default: read from the file's first bytes
  --data-dir DIR              Hangar's data dir (default: the app's)`;

/** What the file's own bytes say it is: qcow2's magic, an ISO 9660 volume descriptor, else raw. */
export function detectFormat(head: Buffer): UploadFormat {
  if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === 'QFI\xfb') return 'qcow2';
  if (head.length >= 32774 && head.subarray(32769, 32774).toString('latin1') === 'CD001') return 'iso';
  return 'raw';
}

/** A file name as a volume name: letters, digits and . _ + - (others become -). */
export function volumeNameOf(file: string): string {
  const n = path.basename(file).replace(/[^A-Za-z0-9_.+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return n.slice(0, 128) || 'upload';
}

/** The first bytes of a file, enough for detectFormat. */
export function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(32774);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Uploads a file on this machine into a pool through the engine (engine → SSH → libvirt); resolves with the checked result. */
export async function uploadFile(engine: Pick<Engine, 'transfers'>, p: { file: string; hostId: string; pool: string; name?: string; format?: UploadFormat; onProgress?(s: TransferStats): void }): Promise<UploadResult> {
  const size = fs.statSync(p.file).size;
  const h = await engine.transfers.uploadIntoPool({
    hostId: p.hostId,
    pool: p.pool,
    name: p.name ?? volumeNameOf(p.file),
    size,
    format: p.format ?? detectFormat(readHead(p.file)),
    source: { kind: 'file', path: p.file },
    ...(p.onProgress ? { onProgress: p.onProgress } : {}),
  });
  return h.done;
}

const mib = (n: number) => (n / 1024 ** 2).toFixed(1);

export async function uploadCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      pool: { type: 'string' },
      name: { type: 'string' },
      format: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const [file] = positionals;
  if (values.help || !file) {
    console.log(UPLOAD_USAGE);
    return;
  }
  if (!values.host || !values.pool) throw new HangarError('INVALID_PARAMS', `hangar upload: --host and --pool are needed\n\n${UPLOAD_USAGE}`);
  if (values.format && !(UPLOAD_FORMATS as readonly string[]).includes(values.format)) throw new HangarError('INVALID_PARAMS', `--format ${values.format}: one of ${UPLOAD_FORMATS.join(', ')}`);
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new HangarError('NOT_FOUND', `${file}: no such file`);
  const pool = values.pool;
  await withCliEngine(values['data-dir'], async (engine) => {
    const { hosts } = await engine.call('hosts.list', {});
    const host = hosts.find((h) => h.name === values.host || h.id === values.host);
    if (!host) throw new HangarError('NOT_FOUND', `No host ${values.host} (known: ${hosts.map((h) => h.name).join(', ') || 'none'})`);
    const r = await uploadFile(engine, {
      file,
      hostId: host.id,
      pool,
      ...(values.name ? { name: values.name } : {}),
      ...(values.format ? { format: values.format as UploadFormat } : {}),
      onProgress: (s) =>
        process.stderr.write(
          `\r${s.phase === 'verifying' ? 'verifying on the host…' : `${mib(s.bytesDone)} / ${mib(s.bytesTotal)} MiB  ${mib(s.rateBps)} MiB/s  ${s.etaSec === null ? '' : `${s.etaSec} s left`}`}      `,
        ),
    });
    process.stderr.write('\n');
    console.log(`${r.name} in ${r.pool} on ${host.name}: ${r.format}, ${r.size} bytes, sha256 ${r.sha256} (checked on the host)`);
  });
}
