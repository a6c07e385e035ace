import { HangarError } from '../contract/errors';

/** Waits `ms`, or rejects with CANCELLED as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HangarError('CANCELLED', 'Cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HangarError('CANCELLED', 'Cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
