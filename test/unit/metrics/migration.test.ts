import { describe, expect, it } from 'vitest';
import { SERIES } from '../../../engine/contract/metrics';
import { MIGRATION_SERIES, migrationValues } from '../../../engine/metrics/migration';

const u = (field: string, value: number) => ({ field, type: 4 as const, value });

describe('migration progress from job stats', () => {
  it('reads the transfer rate, what remains and how far it got', () => {
    expect(migrationValues([u('data_total', 1000), u('data_processed', 250), u('data_remaining', 750), u('memory_bps', 4_000_000), { field: 'operation', type: 1 as const, value: 2 }])).toEqual([4_000_000, 750, 25]);
  });

  it('leaves out what libvirt did not report', () => {
    expect(migrationValues([])).toEqual([null, null, null]);
  });

  it('are the last VM series, in order', () => {
    expect(SERIES.vm.slice(-MIGRATION_SERIES.length)).toEqual([...MIGRATION_SERIES]);
  });
});
