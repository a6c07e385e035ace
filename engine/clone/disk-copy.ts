import { HangarError } from '../contract/errors';
import type { SshConnection } from '../ssh';

/** What to read: a file (its whole chain, flattened), or an internal snapshot inside it. */
export interface CopySource {
  path: string;
  format: string;
  /** An internal snapshot of the image to read instead of its current state. */
  snapshot?: string | undefined;
  /** The image is open in a running VM: read without its lock (a snapshot, or a frozen backing file, does not change). */
  shared?: boolean | undefined;
}

/**
 * The qemu-img command that flattens `src` into the existing, empty qcow2 volume `dst` (made by
 * libvirt, so it is a pool volume with the pool's ownership): `-n` writes into it, and
 * `--target-is-zero` lets qemu-img skip zeros as it would into a file it had created itself.
 * `-p` reports progress as `(12.34/100%)`.
 */
export function convertCommand(src: CopySource, dst: string): string[] {
  return [
    'qemu-img', 'convert', '-p', '-n', '--target-is-zero',
    ...(src.shared ? ['-U'] : []),
    '-f', src.format,
    // qemu's option syntax: a comma in a snapshot's name (the host's to choose) is written twice, or it would start an option of its own.
    ...(src.snapshot ? ['-l', `snapshot.name=${src.snapshot.replaceAll(',', ',,')}`] : []),
    '-O', 'qcow2',
    '--', src.path, dst,
  ];
}

const PROGRESS = /\((\d+(?:\.\d+)?)\/100%\)/g;

/** The last progress figure in a chunk of qemu-img's output, as 0..1. */
export function lastProgress(chunk: string): number | null {
  let last: number | null = null;
  for (const m of chunk.matchAll(PROGRESS)) last = Number(m[1]) / 100;
  return last;
}

/**
 * Runs the copy on the host through its SSH connection. Cancelling aborts the command, which the
 * SSH layer ends by killing its process group on the host: no qemu-img keeps writing.
 */
export async function copyDisk(ssh: SshConnection, src: CopySource, dst: string, opts: { signal: AbortSignal; onProgress(fraction: number): void }): Promise<void> {
  const r = await ssh.exec(convertCommand(src, dst), {
    signal: opts.signal,
    timeoutMs: Infinity,
    onStdout: (chunk) => {
      const p = lastProgress(chunk.toString('latin1'));
      if (p !== null) opts.onProgress(p);
    },
  });
  if (r.exitCode !== 0) {
    throw new HangarError('LIBVIRT_ERROR', `Copying ${src.path} failed: ${r.stderr.trim() || `qemu-img ended with ${r.exitCode ?? r.signal}`}`);
  }
}
