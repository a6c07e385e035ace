/**
 * The migration's completion and progress timeouts (OpenShift Virtualization's, seed 003
 * L6383–6417), its job-stats reading, its flags, and the vm.migrate limits as settings.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract/jobs';
import { blocker } from '../../../engine/jobs/job-scheduling';
import { param, MigrateFlag } from '../../../engine/libvirt';
import { MigrationWatchdog, progressOf, readJobStats } from '../../../engine/migration/job-stats';
import { migrationFlags } from '../../../engine/migration/live';

const GiB = 2 ** 30;

describe('migration timeouts', () => {
  it('completion: aborted after perGiBSec per GiB moved (memory plus disks)', () => {
    const w = new MigrationWatchdog({ perGiBSec: 800, progressSec: 150, bytesToMove: 2 * GiB }, 0);
    expect(w.limitSec).toBe(1600);
    // Remaining keeps shrinking, so only the completion limit can fire.
    for (let t = 0; t <= 1600; t += 100) expect(w.check(t * 1000, 2 * GiB - t * 1000, false)).toBeNull();
    expect(w.check(1601_000, 1, false)).toEqual({ kind: 'completion', limitSec: 1600 });
  });

  it('a small VM still gets at least one GiB worth of time', () => {
    expect(new MigrationWatchdog({ perGiBSec: 800, progressSec: 150, bytesToMove: 128 * 2 ** 20 }, 0).limitSec).toBe(800);
  });

  it('progress: aborted when the data remaining has not dropped below its lowest for progressSec', () => {
    const w = new MigrationWatchdog({ perGiBSec: 800, progressSec: 150, bytesToMove: 4 * GiB }, 0);
    expect(w.check(1_000, 1000, false)).toBeNull();
    // Up and down again (a new iteration re-dirties pages) without beating the lowest: no progress.
    expect(w.check(60_000, 5000, false)).toBeNull();
    expect(w.check(150_000, 1000, false)).toBeNull();
    expect(w.check(151_500, 1200, false)).toEqual({ kind: 'progress', stalledSec: 151 });
    // A new lowest resets the clock.
    const v = new MigrationWatchdog({ perGiBSec: 800, progressSec: 150, bytesToMove: 4 * GiB }, 0);
    v.check(1_000, 1000, false);
    expect(v.check(140_000, 999, false)).toBeNull();
    expect(v.check(280_000, 999, false)).toBeNull();
  });

  it('never after the switch to post-copy', () => {
    const w = new MigrationWatchdog({ perGiBSec: 1, progressSec: 1, bytesToMove: GiB }, 0);
    expect(w.check(10_000_000, 5, true)).toBeNull();
    expect(w.check(10_000_000, 5, false)).not.toBeNull();
  });
});

describe('job stats', () => {
  it('reads libvirt’s typed parameters: rate = memory + disk, dirty rate in bytes, progress from data processed', () => {
    const f = readJobStats([
      param.ullong('time_elapsed', 5000),
      param.ullong('data_total', 1000),
      param.ullong('data_processed', 250),
      param.ullong('data_remaining', 750),
      param.ullong('memory_bps', 1_048_576),
      param.ullong('disk_bps', 1000),
      param.ullong('memory_dirty_rate', 10),
      param.ullong('memory_page_size', 4096),
      param.ullong('memory_iteration', 3),
      param.ullong('downtime', 300),
    ]);
    expect(f).toMatchObject({ dataTotal: 1000, dataRemaining: 750, transferRate: 1_049_576, dirtyRate: 40960, iteration: 3, expectedDowntime: 300, diskTotal: null });
    expect(progressOf(f)).toBe(0.25);
    expect(progressOf(readJobStats([]))).toBe(0);
  });

  it('flags follow the options', () => {
    const base = MigrateFlag.LIVE | MigrateFlag.PERSIST_DEST | MigrateFlag.CHANGE_PROTECTION | MigrateFlag.ABORT_ON_ERROR;
    expect(migrationFlags({ mode: 'precopy', keepSource: false, copyDisks: [] })).toBe(base | MigrateFlag.UNDEFINE_SOURCE);
    expect(migrationFlags({ mode: 'postcopy', keepSource: true, copyDisks: ['vda'] })).toBe(base | MigrateFlag.POSTCOPY | MigrateFlag.NON_SHARED_DISK);
    expect(migrationFlags({ mode: 'autoConverge', keepSource: true, copyDisks: [] })).toBe(base | MigrateFlag.AUTO_CONVERGE);
  });
});

describe('vm.migrate limits from the settings', () => {
  const job = (id: string, hostId: string, state: Job['state']): Job => ({ id, kind: 'vm.migrate', title: { key: 'job.vm.migrate', args: {} }, target: { kind: 'vm', id: `vm-${id}` }, hostId, state, progress: null, step: null, cancellable: true, createdAt: Number(id.slice(1)), startedAt: null, finishedAt: null, error: null });
  const active = [job('j1', 'a', 'running'), job('j2', 'b', 'running'), job('j3', 'a', 'queued')];
  it('the per-host and fleet limits in force are the ones the setting gives', () => {
    // Declared defaults (2 per host, 5 in the fleet): j3 may start.
    expect(blocker(active[2]!, active, () => undefined)).toBeNull();
    expect(blocker(active[2]!, active, () => undefined, () => ({ perHost: 1, fleet: 5 }))).toEqual({ reason: 'limit', scope: 'host', limit: 1 });
    expect(blocker(active[2]!, active, () => undefined, () => ({ perHost: 2, fleet: 2 }))).toEqual({ reason: 'limit', scope: 'fleet', limit: 2 });
  });
});
