import { sleep } from '../common/abort';
import { HangarError } from '../contract/errors';
import type { MigrationMode, MigrationStats } from '../contract/migration';
import type { JobContext } from '../jobs/job-runner';
import { DomainJobType, DomainState, isNotFound, JobStatsFlag, MigrateFlag, MigrateParam, param, type DomainRef, type LibvirtConnection, type TypedParam } from '../libvirt';
import { MigrationWatchdog, progressOf, readJobStats, toStats, type TimeoutVerdict } from './job-stats';

/** How often the source's job stats are read while the migration runs. */
const POLL_MS = 1000;
/** perform3 returns when the migration ends; the watchdog aborts first, this only catches a daemon that never answers. */
const PERFORM_SLACK_MS = 5 * 60_000;

export interface LiveMigration {
  uuid: string;
  name: string;
  source: { hostId: string; conn: LibvirtConnection };
  target: { hostId: string; conn: LibvirtConnection };
  bandwidthMiBs: number;
  mode: MigrationMode;
  postcopyAfterIterations: number;
  completionTimeoutPerGiBSec: number;
  progressTimeoutSec: number;
  keepSource: boolean;
  /** Disk targets copied with the migration (NBD); empty: all storage is shared. */
  copyDisks: string[];
  /** The running domain's XML as the target should start it (disks pointed at the copies), or null to keep the source's. */
  destXml: string | null;
  /** The persistent definition the target keeps. */
  persistXml: string;
  /** Memory plus disks copied, for the completion timeout. */
  bytesToMove: number;
}

/** What the service may do to a migration while it runs. */
export interface LiveControl {
  setSpeed(bandwidthMiBs: number): Promise<void>;
}

export function migrationFlags(m: Pick<LiveMigration, 'mode' | 'keepSource' | 'copyDisks'>): number {
  let flags = MigrateFlag.LIVE | MigrateFlag.PERSIST_DEST | MigrateFlag.CHANGE_PROTECTION | MigrateFlag.ABORT_ON_ERROR;
  if (!m.keepSource) flags |= MigrateFlag.UNDEFINE_SOURCE;
  if (m.mode === 'autoConverge') flags |= MigrateFlag.AUTO_CONVERGE;
  if (m.mode === 'postcopy') flags |= MigrateFlag.POSTCOPY;
  if (m.copyDisks.length) flags |= MigrateFlag.NON_SHARED_DISK;
  return flags;
}

const step = (key: string, args: Record<string, string | number> = {}) => ({ key, args });

/**
 * Live migration, client-managed (protocol/migrate.ts): begin3 on the source, prepare3 on the
 * target, perform3 on the source (QEMU streams to the target's migration address itself), finish3
 * on the target, confirm3 on the source. Hangar carries the cookies, so the hosts need not trust
 * each other. While perform3 runs, the source's job stats are read every second: published, checked
 * against the timeouts, and (post-copy) used to switch after N iterations. Any failure, a timeout or
 * a cancel before the switch ends with finish3 and confirm3 cancelled: the guest runs on the source
 * only, and the target's half-made domain is gone.
 */
export async function migrateLive(ctx: JobContext, m: LiveMigration, onControl: (c: LiveControl | null) => void): Promise<{ downtimeMs: number | null; postcopy: boolean }> {
  const src = m.source.conn;
  const dst = m.target.conn;
  const flags = migrationFlags(m);
  let bandwidth = m.bandwidthMiBs;
  let phase: MigrationStats['phase'] = 'preparing';
  let last: Parameters<typeof toStats>[0] | null = null;
  const publish = (f: Parameters<typeof toStats>[0] | null) =>
    ctx.migration(
      toStats((last = f ?? last) ?? { elapsedMs: null, dataTotal: null, dataProcessed: null, dataRemaining: null, transferRate: null, dirtyRate: null, iteration: null, expectedDowntime: null, downtime: null, diskTotal: null, diskRemaining: null }, {
        phase,
        sourceHostId: m.source.hostId,
        targetHostId: m.target.hostId,
        bandwidthMiBs: bandwidth,
      }),
    );
  publish(null);
  ctx.progress(0, step('job.vm.migrate.preparing'));

  const dom = await src.domainLookupByUuid(m.uuid);
  const base: TypedParam[] = [...(bandwidth > 0 ? [param.ullong(MigrateParam.BANDWIDTH, bandwidth)] : []), ...m.copyDisks.map((t) => param.string(MigrateParam.MIGRATE_DISKS, t))];
  const begin = await src.migrateBegin3(dom, [...base, ...(m.destXml ? [param.string(MigrateParam.DEST_XML, m.destXml)] : [])], flags);
  const xmlParams = [...base, param.string(MigrateParam.DEST_XML, begin.xml), param.string(MigrateParam.PERSIST_XML, m.persistXml)];

  // Journalled before prepare3 asks for it: a crash from here on still says what may be on the target.
  const made = await ctx.journal.artifact({ kind: 'domain', hostId: m.target.hostId, name: m.name, uuid: m.uuid });
  let prep: { cookieOut: Uint8Array; uriOut: string | null };
  try {
    prep = await dst.migratePrepare3(xmlParams, begin.cookieOut, flags);
  } catch (err) {
    await made.removed();
    // begin3 with change protection holds a job on the source until confirm3 ends it.
    await src.migrateConfirm3(dom, xmlParams, new Uint8Array(), flags, true).catch(() => undefined);
    throw failed(err, m);
  }
  await made.created();
  const uriParams = prep.uriOut ? [param.string(MigrateParam.URI, prep.uriOut)] : [];
  const performParams = [...xmlParams, ...uriParams];

  const watchdog = new MigrationWatchdog({ perGiBSec: m.completionTimeoutPerGiBSec, progressSec: m.progressTimeoutSec, bytesToMove: m.bytesToMove }, Date.now());
  let stopReason: 'cancel' | 'targetLost' | TimeoutVerdict = null;
  let postcopy = false;
  let running = true;
  const abort = () => src.domainAbortJob(dom).catch(() => undefined);
  const onCancel = () => {
    if (postcopy || stopReason) return;
    stopReason = 'cancel';
    void abort();
  };
  ctx.signal.addEventListener('abort', onCancel);
  // A target that stops answering cannot finish the migration: QEMU would wait on a dead stream
  // until the progress timeout, so the source aborts as soon as the target's connection is lost.
  const onTargetLost = () => {
    if (postcopy || stopReason) return;
    stopReason = 'targetLost';
    void abort();
  };
  dst.on('close', onTargetLost);
  if (dst.closed) onTargetLost();
  onControl({
    setSpeed: async (bw) => {
      await src.migrateSetMaxSpeed(dom, bw);
      bandwidth = bw;
    },
  });

  // Stopped the moment perform3 returns: the guest is paused until finish3, which must not wait for the next sample.
  const stopWatch = new AbortController();
  const watch = (async () => {
    while (running) {
      await sleep(POLL_MS, stopWatch.signal).catch(() => undefined);
      if (!running) break;
      let stats;
      try {
        stats = await src.domainGetJobStats(dom, 0);
      } catch {
        continue; // the job may have just ended; perform3 says how
      }
      if (!running) break;
      if (stats.type === DomainJobType.NONE) continue;
      const f = readJobStats(stats.params);
      if (phase === 'preparing') phase = 'precopy';
      publish(f);
      ctx.progress(progressOf(f), step(`job.vm.migrate.${phase}`));
      // An abort asked for before QEMU's job existed is asked again until it takes.
      if (stopReason) {
        void abort();
        continue;
      }
      const verdict = watchdog.check(Date.now(), f.dataRemaining, postcopy);
      if (verdict) {
        stopReason = verdict;
        void abort();
        continue;
      }
      if (m.mode === 'postcopy' && !postcopy && f.iteration !== null && f.iteration > m.postcopyAfterIterations) {
        try {
          await src.migrateStartPostCopy(dom);
          postcopy = true;
          // The guest runs on the target now: there is no going back, so no Cancel either.
          ctx.uncancellable();
          phase = 'postcopy';
          publish(f);
        } catch {
          // Not yet possible (the job is between phases): the next sample tries again.
        }
      }
    }
  })();

  let performCookie: Uint8Array | null = null;
  let performErr: unknown = null;
  try {
    if (ctx.signal.aborted) stopReason = 'cancel';
    else {
      phase = 'precopy';
      ctx.progress(0, step('job.vm.migrate.precopy'));
      performCookie = await src.migratePerform3(dom, null, performParams, prep.cookieOut, flags, { timeoutMs: watchdog.limitSec * 1000 + PERFORM_SLACK_MS });
    }
  } catch (err) {
    performErr = err;
  } finally {
    running = false;
    stopWatch.abort();
    ctx.signal.removeEventListener('abort', onCancel);
    dst.off('close', onTargetLost);
    onControl(null);
    await watch;
  }

  if (!performCookie) {
    await rollback(m, dom, flags, uriParams, xmlParams);
    // Gone only when the target says so: an unreachable target may still hold the incoming copy, which stays a leftover the job names.
    const gone = await dst.domainLookupByUuid(m.uuid).then(() => false, (e: unknown) => isNotFound(e));
    if (gone) await made.removed();
    if (stopReason === 'cancel') throw new HangarError('CANCELLED', 'Cancelled: the VM keeps running on its host');
    if (stopReason === 'targetLost') {
      throw new HangarError('UNREACHABLE', `The migration of ${m.name} was aborted: the connection to the target host was lost; the VM keeps running on its host`, {
        message: { key: 'migration.err.targetLost', args: { name: m.name } },
      });
    }
    if (stopReason) throw timeoutError(stopReason, m);
    throw failed(performErr, m);
  }

  phase = 'finishing';
  publish(null);
  ctx.progress(0.99, step('job.vm.migrate.finishing'));
  let fin: { dom: DomainRef; cookieOut: Uint8Array };
  try {
    fin = await dst.migrateFinish3([param.string(MigrateParam.DEST_NAME, m.name), ...uriParams], performCookie, flags, false);
  } catch (err) {
    // The target could not start the guest: the source resumes it.
    await src.migrateConfirm3(dom, performParams, new Uint8Array(), flags, true).catch(() => undefined);
    // Unless finish3 did its work and only its answer was lost: the guest then runs on the target
    // alone, and that copy must not be reported (nor cleaned) as a leftover.
    const [onSource, onTarget] = await Promise.all([runs(src, m.uuid), runs(dst, m.uuid)]);
    if (!onSource && onTarget) return { downtimeMs: null, postcopy };
    if (await dst.domainLookupByUuid(m.uuid).then(() => false, (e: unknown) => isNotFound(e))) await made.removed();
    throw failed(err, m);
  }
  // The guest runs on the target now; a confirm3 that fails leaves only the source's paused copy to tidy.
  await src.migrateConfirm3(dom, performParams, fin.cookieOut, flags, false).catch(() => undefined);
  // The target keeps the finished job's figures (the source's came with the cookie), downtime among them.
  const downtimeMs = await dst
    .domainGetJobStats(fin.dom, JobStatsFlag.COMPLETED)
    .then((s) => readJobStats(s.params).downtime)
    .catch(() => null);
  return { downtimeMs, postcopy };
}

async function runs(conn: LibvirtConnection, uuid: string): Promise<boolean> {
  try {
    return (await conn.domainGetState(await conn.domainLookupByUuid(uuid))).state === DomainState.RUNNING;
  } catch {
    return false;
  }
}

/** finish3 cancelled on the target (it kills and forgets the incoming domain), then confirm3 cancelled on the source (it resumes the guest). */
async function rollback(m: LiveMigration, dom: DomainRef, flags: number, uriParams: TypedParam[], xmlParams: TypedParam[]): Promise<void> {
  await m.target.conn.migrateFinish3([param.string(MigrateParam.DEST_NAME, m.name), ...uriParams], new Uint8Array(), flags, true).catch(() => undefined);
  await m.source.conn.migrateConfirm3(dom, [...xmlParams, ...uriParams], new Uint8Array(), flags, true).catch(() => undefined);
}

function timeoutError(v: Exclude<TimeoutVerdict, null>, m: LiveMigration): HangarError {
  if (v.kind === 'completion') {
    return new HangarError('TIMEOUT', `The migration of ${m.name} did not complete within ${v.limitSec} s and was aborted; the VM keeps running on its host`, {
      message: { key: 'migration.err.completionTimeout', args: { name: m.name, seconds: v.limitSec } },
    });
  }
  return new HangarError('TIMEOUT', `The migration of ${m.name} made no progress for ${v.stalledSec} s and was aborted; the VM keeps running on its host`, {
    message: { key: 'migration.err.progressTimeout', args: { name: m.name, seconds: v.stalledSec } },
  });
}

function failed(err: unknown, m: LiveMigration): HangarError {
  const e = HangarError.from(err);
  if (e.code === 'CANCELLED') return e;
  return new HangarError(e.code, `The migration of ${m.name} failed: ${e.message}`, { ...e.details, message: { key: 'migration.err.failed', args: { name: m.name, error: e.message } } });
}
