import { HangarError } from '../contract/errors';

/**
 * One signal per operation that fires on the caller's abort or on the operation's deadline, and
 * tells which it was, so callers get CANCELLED or TIMEOUT rather than a generic abort.
 */
export interface OpScope {
  signal: AbortSignal;
  /** The error to throw now that `signal` fired. */
  error(what: string): HangarError;
  dispose(): void;
}

export function opScope(timeoutMs: number, parent?: AbortSignal): OpScope {
  const ctrl = new AbortController();
  let timedOut = false;
  const onParent = (): void => ctrl.abort(parent?.reason);
  if (parent?.aborted) ctrl.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer =
    Number.isFinite(timeoutMs) && timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          ctrl.abort();
        }, timeoutMs)
      : undefined;
  timer?.unref?.();
  return {
    signal: ctrl.signal,
    error: (what) =>
      timedOut
        ? new HangarError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`)
        : new HangarError('CANCELLED', `${what} was cancelled`),
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** Races a promise against a signal; the promise keeps running (callers clean up what it yields). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A sleep that ends early (rejecting) when the signal fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new HangarError('CANCELLED', 'Cancelled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new HangarError('CANCELLED', 'Cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
