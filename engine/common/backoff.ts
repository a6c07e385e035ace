/** Reconnect delays: exponential, capped, jittered so fifty hosts that dropped together do not retry in lockstep. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0 = none; 0.5 = the delay is drawn uniformly from [50%, 100%] of the exponential step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.5 };

/** Delay before retry number `attempt` (0-based). `random` is injectable for tests. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(step * (1 - jitter * random()));
}

/**
 * Reconnecting to a host that was just lost: it is most likely back soon (a daemon restart, a
 * cable, a reboot), so it is probed every `fastMs`–1.5×`fastMs` for the first `fastForMs`; only
 * then do the probes back off, to `then`'s cap. Probes must be cheap for this to be fair (see
 * HostLink): a short TCP connect, one exec, one libvirt open.
 */
export interface RecoveryPolicy {
  fastMs: number;
  fastForMs: number;
  then: BackoffPolicy;
}

export const HOST_RECOVERY: RecoveryPolicy = { fastMs: 2_000, fastForMs: 120_000, then: { initialMs: 5_000, maxMs: 30_000, factor: 2, jitter: 0.5 } };

/** Delay before the next probe, `lostForMs` after the host was lost; `slowAttempt` counts probes since the fast phase ended. */
export function recoveryDelay(lostForMs: number, slowAttempt: number, policy: RecoveryPolicy = HOST_RECOVERY, random: () => number = Math.random): number {
  if (lostForMs < policy.fastForMs) return Math.round(policy.fastMs * (1 + 0.5 * random()));
  return backoffDelay(slowAttempt, policy.then, random);
}
