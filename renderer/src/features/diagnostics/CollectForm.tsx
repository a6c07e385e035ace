import { useState } from 'react';
import type { GatherResult } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner, JobErrorText } from '../../components/ErrorBanner';
import { jobTone, ProgressBar } from '../../components/ProgressBar';
import { formatBytes } from '../../components/format';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { gatherDiagnostics } from '../../api/diagnostics';
import { cancelJob } from '../../api/jobs';

const SINCE = ['1h', '6h', '24h', '3d', '7d', 'all'] as const;

/** Diagnostics → Collect: the must-gather options, then the job's progress per host and its result. */
export function CollectForm({ onOpen }: { onOpen: (path: string) => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const hosts = Object.values(useHosts((s) => s.byId)).sort((a, b) => a.name.localeCompare(b.name));
  const [picked, setPicked] = useState<Record<string, boolean>>({});
  const [vmDetails, setVmDetails] = useState(true);
  const [images, setImages] = useState(false);
  const [since, setSince] = useState<string>('24h');
  const [parallel, setParallel] = useState(5);
  const [screenshots, setScreenshots] = useState(false);
  const [redact, setRedact] = useState(true);
  const [confirmUnredacted, setConfirmUnredacted] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined));
  const chosen = hosts.filter((h) => picked[h.id] ?? true);
  const live = job && (job.state === 'running' || job.state === 'queued');
  const result = job?.state === 'succeeded' ? (job.result as GatherResult) : null;

  const start = () => {
    setError(null);
    gatherDiagnostics({ hostIds: chosen.map((h) => h.id), vmDetails, images, since, parallel, screenshots, redact, confirmUnredacted })
      .then((r) => setJobId(r.jobId))
      .catch((e: unknown) => setError(HangarError.from(e)));
  };

  return (
    <div className="panel" data-testid="collect-form">
      <h2>{t('diag.collect.title')}</h2>
      <p className="muted small">{t('diag.collect.intro')}</p>
      <fieldset className="form">
        <legend>{t('diag.collect.hosts')}</legend>
        {hosts.length === 0 && <p className="muted">{t('diag.collect.noHosts')}</p>}
        {hosts.map((h) => (
          <label key={h.id} className="check">
            <input type="checkbox" checked={picked[h.id] ?? true} onChange={(e) => setPicked({ ...picked, [h.id]: e.target.checked })} data-testid="collect-host" data-host-name={h.name} /> {h.name}{' '}
            <span className="muted small">{t(`hosts.state.${h.state}`)}</span>
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <label className="check">
          <input type="checkbox" checked={vmDetails} onChange={(e) => setVmDetails(e.target.checked)} data-testid="collect-vm-details" /> {t('diag.collect.vmDetails')}
        </label>
        <label className="check">
          <input type="checkbox" checked={images} onChange={(e) => setImages(e.target.checked)} /> {t('diag.collect.images')}
        </label>
        <label className="field">
          {t('diag.collect.since')}
          <select value={since} onChange={(e) => setSince(e.target.value)} data-testid="collect-since">
            {SINCE.map((s) => (
              <option key={s} value={s}>
                {s === 'all' ? t('diag.collect.sinceAll') : s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('diag.collect.parallel')}
          <input type="number" className="small-input" min={1} max={20} value={parallel} onChange={(e) => setParallel(Math.max(1, Math.min(20, Number(e.target.value) || 1)))} />
        </label>
        <label className="check">
          <input type="checkbox" checked={screenshots} onChange={(e) => setScreenshots(e.target.checked)} data-testid="collect-screenshots" /> {t('diag.collect.screenshots')}
        </label>
        <label className="check">
          <input type="checkbox" checked={redact} onChange={(e) => { setRedact(e.target.checked); setConfirmUnredacted(false); }} data-testid="collect-redact" /> {t('diag.collect.redact')}
        </label>
        {!redact && (
          <label className="check span-all error">
            <input type="checkbox" checked={confirmUnredacted} onChange={(e) => setConfirmUnredacted(e.target.checked)} data-testid="collect-confirm-unredacted" /> {t('diag.collect.confirmUnredacted')}
          </label>
        )}
      </div>
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={!!live || chosen.length === 0 || (!redact && !confirmUnredacted)} onClick={start} data-testid="collect-start">
          {t('diag.collect.start')}
        </button>
        {live && job?.cancellable && (
          <button type="button" className="btn" onClick={() => cancelJob(job.id).catch((e: unknown) => setError(HangarError.from(e)))} data-testid="collect-cancel">
            {t('tasks.cancel')}
          </button>
        )}
      </div>
      <ErrorBanner error={error} />
      {job && (
        <div data-testid="collect-progress" data-state={job.state}>
          <ProgressBar value={job.progress} label={t('diag.collect.title')} tone={jobTone(job.state)} />
          {job.step && <p className="muted small" data-testid="collect-step">{translateMessage(t, job.step)}</p>}
          {job.error && <JobErrorText error={job.error} className="banner error" />}
          {job.state === 'cancelled' && <p className="muted">{t('tasks.state.cancelled')}</p>}
        </div>
      )}
      {result && (
        <div className="banner" data-testid="collect-result">
          <p>
            {t('diag.collect.done', { path: result.path, size: formatBytes(result.bytes, lang), files: result.files })}
          </p>
          {result.skipped.length > 0 && <p className="error small">{t('diag.collect.skipped', { hosts: result.skipped.map((s) => s.split('\t')[0]).join(', ') })}</p>}
          <button type="button" className="btn" onClick={() => onOpen(result.path)} data-testid="collect-open">
            {t('diag.collect.openIt')}
          </button>
        </div>
      )}
    </div>
  );
}
