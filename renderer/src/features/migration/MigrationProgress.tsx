import { useMemo, useState } from 'react';
import { FINAL_JOB_STATES, MigrateResult, type Job, type MigrationStats } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { cancelJob } from '../../api/jobs';
import { setMigrationSpeed } from '../../api/migration';
import { ErrorBanner, JobErrorText } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { jobTone, ProgressBar } from '../../components/ProgressBar';
import { formatNumber } from '../../components/format';
import { translateMessage, type Translate } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { DASH, formatDowntime, formatRate, migrationFraction, parseBandwidth, remainingArgs, secondsLeft } from './migration-format';

/** The latest migration task of a VM (running, queued or finished), or undefined. */
export function useVmMigrationJob(vmId: string): Job | undefined {
  const byId = useJobs((s) => s.byId);
  return useMemo(
    () =>
      Object.values(byId)
        .filter((j) => j.kind === 'vm.migrate' && j.target?.kind === 'vm' && j.target.id === vmId)
        .sort((a, b) => b.createdAt - a.createdAt)[0],
    [byId, vmId],
  );
}

const isLive = (job: Job) => !FINAL_JOB_STATES.includes(job.state);

/** Where a migration goes and comes from: its live figures first, then its result, then the host it ran against. */
function ends(job: Job): { source: string | undefined; target: string | undefined } {
  const result = MigrateResult.safeParse(job.result);
  return {
    source: job.migration?.sourceHostId ?? (result.success ? result.data.sourceHostId : undefined) ?? job.hostId,
    target: job.migration?.targetHostId ?? (result.success ? result.data.targetHostId : undefined),
  };
}

function limitText(t: Translate, mibs: number): string {
  return mibs === 0 ? t('migrate.unlimited') : t('migrate.limitMiBs', { n: mibs });
}

/** libvirt's figures of a running migration, as the VM page and Tasks show them. */
export function MigrationFigures({ stats, compact = false }: { stats: MigrationStats; compact?: boolean }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const remaining = remainingArgs(stats, lang);
  const left = secondsLeft(stats);
  const rows: [string, string, string][] = [
    ['remaining', t('migrate.stat.remaining'), remaining ? t('migrate.stat.remainingOf', remaining) : DASH],
    ['transfer-rate', t('migrate.stat.transferRate'), formatRate(stats.transferRate, lang)],
    ['dirty-rate', t('migrate.stat.dirtyRate'), formatRate(stats.dirtyRate, lang)],
    ['iteration', t('migrate.stat.iteration'), stats.iteration === null ? DASH : formatNumber(stats.iteration, lang, 0)],
    ['downtime', t('migrate.stat.downtime'), formatDowntime(stats.expectedDowntime, lang)],
  ];
  if (!compact) {
    rows.push(['time-left', t('migrate.stat.timeLeft'), left === null ? DASH : t('migrate.stat.seconds', { n: formatNumber(left, lang, 0) })]);
    rows.push(['limit', t('migrate.stat.limit'), limitText(t, stats.bandwidthMiBs)]);
  }
  return (
    <dl className={compact ? 'migration-figures compact' : 'migration-figures about'} data-testid="migration-figures" data-phase={stats.phase}>
      {rows.map(([id, label, value]) => (
        <div key={id} className="figure" data-testid={`migration-${id}`}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A migration's bar: from libvirt's remaining data when known, else the job's own progress. */
export function MigrationBar({ job, label }: { job: Job; label: string }) {
  const fraction = job.migration ? migrationFraction(job.migration) : null;
  return <ProgressBar value={fraction ?? job.progress} label={label} tone={jobTone(job.state)} />;
}

/**
 * On the VM page while it moves: where to, the phase, the bar and libvirt's figures, a field that
 * changes the bandwidth limit mid-way, and Cancel (the VM stays running where it was).
 */
export function MigrationProgress({ job }: { job: Job }) {
  const t = useT();
  const hosts = useHosts((s) => s.byId);
  const name = (id: string | undefined) => (id ? (hosts[id]?.name ?? id) : t('migrate.progress.somewhere'));
  const { source, target } = ends(job);
  const stats = job.migration;
  const [speed, setSpeed] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const offline = stats?.phase === 'offline';
  const title = job.state === 'queued' ? t('migrate.progress.queued') : t(offline ? 'migrate.progress.offline' : 'migrate.progress.live', { host: name(target) });
  const applySpeed = () => {
    const n = parseBandwidth(speed ?? '');
    setInvalid(n === null);
    if (n === null) return;
    setError(null);
    setMigrationSpeed(job.id, n).then(
      () => setSpeed(null),
      (e: unknown) => setError(HangarError.from(e)),
    );
  };
  return (
    <section className="panel migration-progress" data-testid="migration-progress" data-job-id={job.id} data-state={job.state} aria-live="polite">
      <h2 data-testid="migration-title" data-host-name={name(target)}>
        {title}
      </h2>
      {stats && (
        <p className="muted small" data-testid="migration-phase">
          {t(`migrate.phase.${stats.phase}`)}
        </p>
      )}
      {!stats && job.step && <p className="muted small">{translateMessage(t, job.step)}</p>}
      <MigrationBar job={job} label={title} />
      {stats && <MigrationFigures stats={stats} />}
      <div className="migration-controls">
        {stats && !offline && (
          <PanelForm className="inline-form" testId="migration-speed-form" onSubmit={applySpeed}>
            <Field label={t('migrate.newLimit')}>
              <input type="number" min={0} step={1} className="small-input" data-testid="migration-speed" value={speed ?? String(stats.bandwidthMiBs)} onChange={(e) => setSpeed(e.target.value)} />
            </Field>
            <SubmitRow label={t('migrate.setSpeed')} testId="migration-speed-set" disabled={speed === null} />
          </PanelForm>
        )}
        {job.cancellable && (
          <button type="button" className="btn btn-danger" data-testid="migration-cancel" title={t('migrate.cancelHelp', { host: name(source) })} onClick={() => cancelJob(job.id).catch((e: unknown) => setError(HangarError.from(e)))}>
            {t('migrate.cancel')}
          </button>
        )}
      </div>
      {stats?.phase === 'postcopy' && !job.cancellable && <p className="muted small">{t('migrate.noCancelPostcopy')}</p>}
      {invalid && (
        <p className="error small" role="alert" data-testid="migration-speed-invalid">
          {t('migrate.speedInvalid')}
        </p>
      )}
      <ErrorBanner error={error} testId="migration-error" />
    </section>
  );
}

/** After a migration seen on this page ends: where the VM went, or why it stayed. */
export function MigrationOutcome({ job, onDismiss }: { job: Job; onDismiss: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const hosts = useHosts((s) => s.byId);
  const name = (id: string | undefined) => (id ? (hosts[id]?.name ?? id) : t('migrate.progress.somewhere'));
  const { source, target } = ends(job);
  const result = MigrateResult.safeParse(job.result);
  const ok = job.state === 'succeeded';
  const key = ok ? 'migrate.ended.succeeded' : job.state === 'cancelled' ? 'migrate.ended.cancelled' : 'migrate.ended.failed';
  const downtime = result.success && result.data.downtimeMs !== null ? formatDowntime(result.data.downtimeMs, lang) : null;
  return (
    <div className={ok ? 'banner' : 'banner warn'} role="status" data-testid="migration-outcome" data-state={job.state}>
      {t(key, { source: name(source), host: name(target) })} {ok && downtime && t('migrate.ended.downtime', { downtime })}
      {job.error && <JobErrorText error={job.error} />}
      <button type="button" className="btn btn-small" data-testid="migration-outcome-dismiss" onClick={onDismiss}>
        {t('migrate.dismiss')}
      </button>
    </div>
  );
}

/**
 * Migrations this window saw run or started, and outcomes dismissed: kept outside the page, so the
 * outcome of a move still shows when the VM page re-renders from scratch as its VM changes host.
 */
const followed = new Set<string>();
const dismissedOutcomes = new Set<string>();

/** Called with the job of a migration started from this window: its outcome is shown when it ends. */
export const followMigration = (jobId: string) => void followed.add(jobId);

/** The migration panel of a VM page: progress while it runs, its outcome once it ends (one this window followed). */
export function VmMigration({ vmId }: { vmId: string }) {
  const job = useVmMigrationJob(vmId);
  const [, rerender] = useState(0);
  if (!job) return null;
  if (isLive(job)) {
    followed.add(job.id);
    return <MigrationProgress job={job} />;
  }
  if (!followed.has(job.id) || dismissedOutcomes.has(job.id)) return null;
  return (
    <MigrationOutcome
      job={job}
      onDismiss={() => {
        dismissedOutcomes.add(job.id);
        rerender((n) => n + 1);
      }}
    />
  );
}
