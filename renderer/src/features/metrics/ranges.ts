/** The chart ranges offered everywhere; `custom` takes two dates. */
export const RANGES = ['15m', '1h', '24h', '7d', '30d', '1y', 'custom'] as const;
export type RangeKey = (typeof RANGES)[number];

const SPAN_MS: Record<Exclude<RangeKey, 'custom'>, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '1y': 365 * 86_400_000,
};

export interface TimeRange {
  key: RangeKey;
  /** For custom: epoch ms. */
  from?: number;
  to?: number;
}

/** [from, to) in epoch ms; `live` when the range ends now (charts then follow new samples). */
export function resolveRange(r: TimeRange, now = Date.now()): { from: number; to: number; live: boolean } {
  if (r.key === 'custom') {
    const to = r.to ?? now;
    return { from: r.from ?? to - 3_600_000, to, live: false };
  }
  return { from: now - SPAN_MS[r.key], to: now, live: true };
}
