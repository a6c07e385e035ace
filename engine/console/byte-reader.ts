import type { Duplex } from 'node:stream';
import { HangarError } from '../contract/errors';

/**
 * Reads exact byte counts from a stream for a handshake, leaving everything after them in the
 * stream's own buffer, so the stream can be piped as is once the handshake is over.
 */
export function readExact(stream: Duplex, n: number, signal: AbortSignal, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tryRead = (): boolean => {
      const chunk = stream.read(n) as Buffer | null;
      if (chunk === null) return false;
      done();
      resolve(chunk);
      return true;
    };
    const onEnd = (): void => {
      done();
      reject(new HangarError('UNREACHABLE', `${what}: the connection closed during the handshake`));
    };
    const onError = (err: Error): void => {
      done();
      reject(HangarError.from(err));
    };
    const onAbort = (): void => {
      done();
      reject(HangarError.from(signal.reason));
    };
    const onReadable = (): void => {
      tryRead();
    };
    const done = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) return onAbort();
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    tryRead();
  });
}
