import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, HOST_RECOVERY, recoveryDelay } from '../../../engine/common/backoff';

describe('backoffDelay', () => {
  const policy = { initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.5 };

  it('grows exponentially and is capped', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 10, 100].map((n) => backoffDelay(n, noJitter))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('jitters within [1 - jitter, 1] of the step', () => {
    expect(backoffDelay(2, policy, () => 0)).toBe(4000);
    expect(backoffDelay(2, policy, () => 0.999999)).toBe(2000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(20, policy);
      expect(d).toBeGreaterThanOrEqual(15_000);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it('has sane defaults', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(DEFAULT_BACKOFF.initialMs);
    expect(backoffDelay(1000, DEFAULT_BACKOFF, () => 0)).toBe(DEFAULT_BACKOFF.maxMs);
  });
});

describe('recoveryDelay (h1-hosts)', () => {
  it('probes a just-lost host every 2–3 s, then backs off to the cap', () => {
    for (let i = 0; i < 100; i++) {
      const d = recoveryDelay(i * 1000, 0);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(3000);
    }
    expect(recoveryDelay(HOST_RECOVERY.fastForMs, 0, HOST_RECOVERY, () => 0)).toBe(5000);
    expect(recoveryDelay(HOST_RECOVERY.fastForMs + 1, 10, HOST_RECOVERY, () => 0)).toBe(30_000);
  });
});
