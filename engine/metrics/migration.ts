/**
 * Migration progress from libvirt's job statistics (virDomainGetJobStats). Asked only for the few
 * domains a migration is known to run on (a migration-iteration event, or the inventory's
 * 'migrating' state), never for every domain: the bulk stats call has no job group.
 */
import type { TypedParam } from '../libvirt/protocol/types';

/** The last VM series (SERIES.vm): filled from job stats, not from the bulk stats' rates. */
export const MIGRATION_SERIES = ['migBps', 'migRemaining', 'migProgress'] as const;

/** [transfer rate bytes/s, bytes remaining, progress %], null where libvirt did not say. */
export type MigrationValues = [number | null, number | null, number | null];

export function migrationValues(params: readonly TypedParam[]): MigrationValues {
  let bps: number | null = null;
  let total: number | null = null;
  let processed: number | null = null;
  let remaining: number | null = null;
  for (const p of params) {
    if (typeof p.value !== 'number') continue;
    const v = p.value;
    if (p.field === 'memory_bps') bps = v;
    else if (p.field === 'data_total') total = v;
    else if (p.field === 'data_processed') processed = v;
    else if (p.field === 'data_remaining') remaining = v;
  }
  const progress = total && processed !== null ? Math.min(100, (processed / total) * 100) : null;
  return [bps, remaining, progress];
}
