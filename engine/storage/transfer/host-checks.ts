import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HangarError } from '../../contract/errors';
import type { UploadFormat } from '../../contract/transfer';
import { shellQuote, type SshConnection } from '../../ssh';

const run = promisify(execFile);

/**
 * What the engine asks the host itself about an uploaded volume (libvirt has no API for either):
 * `sha256sum` of its first N bytes and `qemu-img info`. Arguments go through the one quoting helper;
 * on the local host (no SSH) the same programs run here, without a shell.
 */
export interface HostShell {
  /** sha256 (hex) of the first `bytes` bytes of the file or device at `path`. */
  prefixSha256(path: string, bytes: number, signal: AbortSignal): Promise<string>;
  /** `qemu-img info --output=json` of it, as text. */
  qemuImgInfo(path: string, signal: AbortSignal): Promise<string>;
  /** The bytes `bytes` long at `offset`, as text (a magic number). */
  peek(path: string, offset: number, bytes: number, signal: AbortSignal): Promise<string>;
  /** The size of the file (or device) at `path`, in bytes. */
  sizeOf(path: string, signal: AbortSignal): Promise<number>;
}

/** Hashing a 16 GiB image on a busy host still finishes; a hung one does not hang the job. */
const HASH_TIMEOUT_MS = 20 * 60_000;
const INFO_TIMEOUT_MS = 60_000;

const hexOf = (out: string) => {
  const h = out.trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(h)) throw new HangarError('INTERNAL', `sha256sum on the host answered ${JSON.stringify(out.slice(0, 200))}`);
  return h;
};

export function sshShell(ssh: SshConnection): HostShell {
  const ok = async (line: string, timeoutMs: number, signal: AbortSignal) => {
    const r = await ssh.exec(line, { timeoutMs, signal });
    if (r.exitCode !== 0) throw new HangarError('INTERNAL', `${line.split(' ')[0]} on the host failed: ${r.stderr.trim().slice(0, 300)}`);
    return r.stdout;
  };
  return {
    prefixSha256: async (path, bytes, signal) => hexOf(await ok(`${shellQuote(['head', '-c', String(bytes), '--', path])} | sha256sum`, HASH_TIMEOUT_MS, signal)),
    qemuImgInfo: (path, signal) => ok(shellQuote(['qemu-img', 'info', '--output=json', '-U', '--', path]), INFO_TIMEOUT_MS, signal),
    peek: (path, offset, bytes, signal) => ok(`${shellQuote(['tail', '-c', `+${offset + 1}`, '--', path])} | ${shellQuote(['head', '-c', String(bytes)])}`, INFO_TIMEOUT_MS, signal),
    sizeOf: async (path, signal) => Number((await ok(`${shellQuote(['blockdev', '--getsize64', '--', path])} 2>/dev/null || ${shellQuote(['stat', '-L', '-c', '%s', '--', path])}`, INFO_TIMEOUT_MS, signal)).trim()),
  };
}

/** The engine's own machine (the local host): the same programs, no shell. */
export function localShell(): HostShell {
  const sh = async (file: string, args: string[], signal: AbortSignal, timeout: number) => (await run(file, args, { signal, timeout, maxBuffer: 16 * 1024 * 1024 })).stdout;
  return {
    prefixSha256: async (path, bytes, signal) => {
      const { createReadStream } = await import('node:fs');
      const { createHash } = await import('node:crypto');
      const h = createHash('sha256');
      if (bytes > 0) for await (const c of createReadStream(path, { start: 0, end: bytes - 1, signal })) h.update(c as Buffer);
      return h.digest('hex');
    },
    qemuImgInfo: (path, signal) => sh('qemu-img', ['info', '--output=json', '-U', '--', path], signal, INFO_TIMEOUT_MS),
    peek: async (path, offset, bytes, signal) => {
      const { createReadStream } = await import('node:fs');
      const parts: Buffer[] = [];
      for await (const c of createReadStream(path, { start: offset, end: offset + bytes - 1, signal })) parts.push(c as Buffer);
      return Buffer.concat(parts).toString('latin1');
    },
    sizeOf: async (path) => (await (await import('node:fs/promises')).stat(path)).size,
  };
}

/** What qemu-img info says a checked image is. */
export interface ImageFacts {
  virtualSize: number;
}

/**
 * Refuses what must not become a template: another format than announced (a "raw" that is really a
 * qcow2 would be read as raw by a VM, and a qcow2 claimed as raw is how a backing-file trick slips
 * in), a backing file (it would read another file of the host), an external data file.
 */
export function checkImageInfo(json: string, expected: UploadFormat): ImageFacts {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new HangarError('INTERNAL', 'qemu-img info on the host answered something that is not JSON');
  }
  const found = typeof info.format === 'string' ? info.format : 'unknown';
  const want = expected === 'qcow2' ? 'qcow2' : 'raw';
  if (found !== want) {
    throw new HangarError('INVALID_PARAMS', `The image is ${found}, not ${expected}`, { message: { key: 'transfer.err.format', args: { expected, found } } });
  }
  const backing = info['backing-filename'] ?? info['full-backing-filename'];
  if (typeof backing === 'string' && backing.length > 0) {
    throw new HangarError('INVALID_PARAMS', `The image has a backing file (${backing.slice(0, 200)}): upload a standalone image (qemu-img convert flattens it)`, {
      message: { key: 'transfer.err.backing', args: { backing: backing.slice(0, 200) } },
    });
  }
  const specific = (info['format-specific'] as { data?: Record<string, unknown> } | undefined)?.data;
  if (specific && typeof specific['data-file'] === 'string') {
    throw new HangarError('INVALID_PARAMS', 'The image keeps its data in an external file: upload a standalone image', { message: { key: 'transfer.err.dataFile' } });
  }
  const virtualSize = typeof info['virtual-size'] === 'number' ? info['virtual-size'] : 0;
  return { virtualSize };
}

/** An ISO 9660 image says `CD001` at byte 32769. */
export const ISO_MAGIC = { offset: 32769, text: 'CD001' } as const;
