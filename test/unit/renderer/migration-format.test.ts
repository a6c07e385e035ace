import { describe, expect, it } from 'vitest';
import type { Host, MigrationCheck, MigrationStats } from '../../../engine/contract';
import { formatDowntime, formatRate, migrationFraction, parseBandwidth, remainingArgs, secondsLeft } from '../../../renderer/src/features/migration/migration-format';
import { targetPools, targetRows } from '../../../renderer/src/features/migration/migrate-targets';

const MiB = 1024 * 1024;
const stats = (over: Partial<MigrationStats> = {}): MigrationStats => ({
  phase: 'precopy',
  sourceHostId: 'h1',
  targetHostId: 'h2',
  dataTotal: 256 * MiB,
  dataRemaining: 64 * MiB,
  transferRate: 8 * MiB,
  dirtyRate: 1.5 * MiB,
  iteration: 2,
  expectedDowntime: 300,
  bandwidthMiBs: 0,
  diskTotal: null,
  diskRemaining: null,
  ...over,
});

describe('migration figures as a person reads them', () => {
  it('says rates per second in binary units, in the UI language', () => {
    expect(formatRate(8 * MiB, 'en')).toBe('8 MiB/s');
    expect(formatRate(1.5 * MiB, 'en')).toBe('1.5 MiB/s');
    expect(formatRate(1536 * MiB, 'ko')).toBe('1.5 GiB/s');
    expect(formatRate(0, 'en')).toBe('0 B/s');
  });

  it('shows an unknown figure as a dash, never as 0', () => {
    expect(formatRate(null, 'en')).toBe('—');
    expect(formatDowntime(null, 'en')).toBe('—');
    expect(remainingArgs(stats({ dataRemaining: null }), 'en')).toBeNull();
    expect(migrationFraction(stats({ dataTotal: null }))).toBeNull();
    expect(secondsLeft(stats({ transferRate: 0 }))).toBeNull();
  });

  it('counts memory and copied disks together in what is left and how far along it is', () => {
    expect(remainingArgs(stats(), 'en')).toEqual({ remaining: '64 MiB', total: '256 MiB' });
    expect(migrationFraction(stats())).toBeCloseTo(0.75);
    const withDisk = stats({ diskTotal: 768 * MiB, diskRemaining: 256 * MiB });
    expect(remainingArgs(withDisk, 'en')).toEqual({ remaining: '320 MiB', total: '1 GiB' });
    expect(migrationFraction(withDisk)).toBeCloseTo(1 - 320 / 1024);
    expect(secondsLeft(withDisk)).toBe(40);
  });

  it('keeps the bar between empty and full when pre-copy finds more dirty pages than the total', () => {
    expect(migrationFraction(stats({ dataRemaining: 300 * MiB }))).toBe(0);
    expect(migrationFraction(stats({ dataRemaining: 0 }))).toBe(1);
  });

  it('says downtime in ms below a second and in seconds above, with the locale’s separators', () => {
    expect(formatDowntime(300, 'en')).toBe('300 ms');
    expect(formatDowntime(1250, 'en')).toBe('1.3 s');
    expect(formatDowntime(12345, 'ko')).toBe('12.3 s');
    expect(formatDowntime(1_234_000, 'en')).toBe('1,234 s');
  });

  it('takes a bandwidth limit only as a whole number of MiB/s from 0 to 100 000', () => {
    expect(parseBandwidth('0')).toBe(0);
    expect(parseBandwidth(' 20 ')).toBe(20);
    expect(parseBandwidth('100000')).toBe(100_000);
    for (const bad of ['', '-1', '1.5', '100001', '1e3', 'ten']) expect(parseBandwidth(bad)).toBeNull();
  });
});

const host = (id: string, name: string, pools: string[] = [], state: Host['state'] = 'connected'): Host =>
  ({ id, name, state, facts: { pools: pools.map((p) => ({ name: p, active: true, capacity: 0, allocation: 0, available: 0 })) } }) as unknown as Host;

const check = (vmId: string, refused: MigrationCheck['refused'], warnings: MigrationCheck['candidates'] = []): MigrationCheck => ({
  vmId,
  sourceHostId: 'h1',
  live: true,
  blockers: [],
  candidates: warnings,
  refused,
  disksToCopy: [],
});

describe('the Migrate dialog’s host list', () => {
  const hosts = [host('h2', 'lab2', ['default', 'shared']), host('h1', 'lab1', ['default', 'shared']), host('h3', 'lab3', ['shared'])];

  it('greys out the source and every host the pre-flight refused, with its reasons, and sorts by name', () => {
    const rows = targetRows(hosts, [{ id: 'v', name: 'web', hostId: 'h1' }], {
      v: check('v', [{ hostId: 'h3', host: 'lab3', reasons: [{ key: 'placement.why.noPool', args: { host: 'lab3', pool: 'default' } }] }]),
    });
    expect(rows.map((r) => r.name)).toEqual(['lab1', 'lab2', 'lab3']);
    expect(rows[0]!.reasons).toEqual([{ vm: null, text: { kind: 'here' } }]);
    expect(rows[1]!.reasons).toEqual([]);
    expect(rows[2]!.reasons).toEqual([{ vm: null, text: { kind: 'message', key: 'placement.why.noPool', args: { host: 'lab3', pool: 'default' } } }]);
  });

  it('names the VM a host cannot take when several move, and leaves unchecked hosts open', () => {
    const rows = targetRows(
      hosts,
      [
        { id: 'a', name: 'web', hostId: 'h1' },
        { id: 'b', name: 'db', hostId: 'h2' },
      ],
      { a: check('a', [{ hostId: 'h3', host: 'lab3', reasons: [{ key: 'placement.why.maintenance', args: { host: 'lab3' } }] }]) },
    );
    expect(rows.find((r) => r.name === 'lab3')!.reasons.map((r) => r.vm)).toEqual(['web']);
    expect(rows.find((r) => r.name === 'lab1')!.reasons).toEqual([{ vm: 'web', text: { kind: 'here' } }]);
    expect(rows.find((r) => r.name === 'lab2')!.reasons).toEqual([{ vm: 'db', text: { kind: 'here' } }]);
  });

  it('says once that a host already has every VM chosen', () => {
    const rows = targetRows(hosts, [{ id: 'a', name: 'web', hostId: 'h1' }, { id: 'b', name: 'db', hostId: 'h1' }], {});
    expect(rows.find((r) => r.name === 'lab1')!.reasons).toEqual([{ vm: null, text: { kind: 'hereAll' } }]);
  });

  it('offers for a copied disk the chosen host’s pools, or (automatic) those all other connected hosts share', () => {
    expect(targetPools(hosts, 'h1', 'h3')).toEqual(['shared']);
    expect(targetPools(hosts, 'h1', '')).toEqual(['shared']);
    expect(targetPools([...hosts, host('h4', 'lab4', [], 'unreachable')], 'h3', '')).toEqual(['default', 'shared']);
  });
});
