import type { MigrationStats } from '../contract/migration';
import { paramsToRecord, type TypedParam } from '../libvirt';

/** libvirt's job-stats fields (VIR_DOMAIN_JOB_*) read for a migration. */
export interface JobFigures {
  elapsedMs: number | null;
  dataTotal: number | null;
  dataProcessed: number | null;
  dataRemaining: number | null;
  /** Bytes/s: memory plus disk copy. */
  transferRate: number | null;
  /** Bytes/s. */
  dirtyRate: number | null;
  iteration: number | null;
  expectedDowntime: number | null;
  /** After completion: the guest's real downtime, ms. */
  downtime: number | null;
  diskTotal: number | null;
  diskRemaining: number | null;
}

export function readJobStats(params: readonly TypedParam[]): JobFigures {
  const p = paramsToRecord(params);
  const n = (k: string): number | null => (typeof p[k] === 'number' || typeof p[k] === 'bigint' ? Number(p[k]) : null);
  const pageSize = n('memory_page_size') ?? 4096;
  const dirtyPages = n('memory_dirty_rate');
  const memBps = n('memory_bps');
  const diskBps = n('disk_bps');
  return {
    elapsedMs: n('time_elapsed'),
    dataTotal: n('data_total'),
    dataProcessed: n('data_processed'),
    dataRemaining: n('data_remaining'),
    transferRate: memBps === null && diskBps === null ? null : (memBps ?? 0) + (diskBps ?? 0),
    dirtyRate: dirtyPages === null ? null : dirtyPages * pageSize,
    iteration: n('memory_iteration'),
    expectedDowntime: n('downtime'),
    downtime: n('downtime'),
    diskTotal: n('disk_total'),
    diskRemaining: n('disk_remaining'),
  };
}

/** The job's published figures. */
export function toStats(f: JobFigures, base: Pick<MigrationStats, 'phase' | 'sourceHostId' | 'targetHostId' | 'bandwidthMiBs'>): MigrationStats {
  return {
    ...base,
    dataTotal: f.dataTotal,
    dataRemaining: f.dataRemaining,
    transferRate: f.transferRate,
    dirtyRate: f.dirtyRate,
    iteration: f.iteration,
    expectedDowntime: f.expectedDowntime,
    diskTotal: f.diskTotal,
    diskRemaining: f.diskRemaining,
  };
}

/** 0..1 from the data moved so far (0 before libvirt can tell). */
export function progressOf(f: JobFigures): number {
  if (!f.dataTotal || f.dataProcessed === null) return 0;
  return Math.min(0.99, Math.max(0, f.dataProcessed / f.dataTotal));
}

export type TimeoutVerdict = null | { kind: 'completion'; limitSec: number } | { kind: 'progress'; stalledSec: number };

/**
 * OpenShift Virtualization's two migration timeouts (seed 003 L6383–6417): completion, when the
 * migration has run longer than `perGiBSec` per GiB it moves; progress, when the data remaining has
 * not dropped below its lowest for `progressSec`. Neither applies once post-copy has started: the
 * guest then runs on the target, and aborting would lose it.
 */
export class MigrationWatchdog {
  private lowest = Number.POSITIVE_INFINITY;
  private lowestAt: number;
  private readonly limitMs: number;

  constructor(
    private readonly opts: { perGiBSec: number; progressSec: number; bytesToMove: number },
    private readonly startedAt: number,
  ) {
    this.lowestAt = startedAt;
    // A VM under 1 GiB counts as 1 GiB: a tiny guest on a slow link is not aborted within seconds.
    this.limitMs = Math.max(1, opts.bytesToMove / 2 ** 30) * opts.perGiBSec * 1000;
  }

  /** The completion limit, seconds. */
  get limitSec(): number {
    return Math.round(this.limitMs / 1000);
  }

  /** Called with each sample; says when (and why) the migration must be aborted. */
  check(now: number, remaining: number | null, postcopy: boolean): TimeoutVerdict {
    if (postcopy) return null;
    if (remaining !== null && remaining < this.lowest) {
      this.lowest = remaining;
      this.lowestAt = now;
    }
    if (now - this.startedAt > this.limitMs) return { kind: 'completion', limitSec: this.limitSec };
    if (now - this.lowestAt > this.opts.progressSec * 1000) return { kind: 'progress', stalledSec: Math.round((now - this.lowestAt) / 1000) };
    return null;
  }
}
