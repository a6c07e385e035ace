import { HangarError } from '../contract/errors';

/**
 * Runs a libvirt operation against a deadline (OpenShift's failureDeadline). libvirt has no
 * deadline of its own: past it, `onExpiry` aborts what it can and thaws the guest, the job fails
 * with TIMEOUT, and `late` deals with an operation that still finishes afterwards.
 */
export async function withDeadline<T>(op: Promise<T>, ms: number, onExpiry: () => Promise<void>, late: (value: T) => Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = Symbol('expired');
  const timeout = new Promise<typeof expired>((resolve) => (timer = setTimeout(() => resolve(expired), ms)));
  try {
    const won = await Promise.race([op, timeout]);
    if (won !== expired) return won as T;
  } finally {
    clearTimeout(timer);
  }
  op.then(late, () => undefined);
  await onExpiry().catch(() => undefined);
  throw new HangarError('TIMEOUT', `The snapshot did not finish within ${Math.round(ms / 1000)} s: it was aborted and the guest thawed`, { message: { key: 'snap.err.deadline', args: { seconds: Math.round(ms / 1000) } } });
}
