import { HangarError } from '../contract/errors';
import type { LibvirtConnection } from '../libvirt/connection';
import type { DomainRef } from '../libvirt';

/**
 * Reads a VM's screen through libvirt's screenshot stream to its end, within a deadline and a
 * size cap: one way for the diagnostics bundle and the Overview's console thumbnail.
 */
export async function readScreenshot(conn: LibvirtConnection, dom: DomainRef, signal: AbortSignal, timeoutMs: number, maxBytes: number): Promise<Buffer> {
  const stream = await conn.domainScreenshot(dom, 0);
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const fail = (e: Error): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
      reject(e);
    };
    const onAbort = (): void => fail(new HangarError('CANCELLED', 'Cancelled'));
    const timer = setTimeout(() => fail(new HangarError('TIMEOUT', `The screenshot did not arrive within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) return fail(new HangarError('UNSUPPORTED', `The screenshot is larger than ${Math.round(maxBytes / 1048576)} MiB`));
      chunks.push(c);
    });
    stream.once('error', (e: Error) => fail(e));
    stream.once('end', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** PNG from libvirt ≥ 8 (QEMU ≥ 7.1), PPM before: told by the first bytes, not by trust. */
export function screenshotMime(b: Buffer): 'image/png' | 'image/x-portable-pixmap' | null {
  if (b.length > 8 && b[0] === 0x89 && b.toString('latin1', 1, 4) === 'PNG') return 'image/png';
  if (b.length > 2 && b.toString('latin1', 0, 2) === 'P6') return 'image/x-portable-pixmap';
  return null;
}
