import { useState } from 'react';
import { HangarError } from '../../../../engine/contract/errors';
import type { DownloadResult } from '../../../../engine/contract';
import { beginDownload, saveDownload } from '../../api/transfer';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatBytes } from '../../components/format';
import { jobTone } from '../../components/ProgressBar';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useJobs } from '../../stores/jobs-store';
import { TransferFigures } from './TransferFigures';

/** Download one volume to this computer, with the engine's progress (bytes, rate, time left) beside it. */
export function DownloadButton({ hostId, pool, volume }: { hostId: string; pool: string; volume: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const viaFetch = useEngine((s) => s.client?.transport === 'ipc');
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined));
  const running = job && (job.state === 'running' || job.state === 'queued');
  const result = job?.state === 'succeeded' ? (job.result as DownloadResult) : null;
  return (
    <div className="volume-download" data-testid="volume-download-box">
      <button
        type="button"
        className="btn btn-small"
        data-testid="volume-download"
        disabled={!!running}
        onClick={() => {
          setError(null);
          beginDownload(hostId, pool, volume).then(
            (ticket) => {
              setJobId(ticket.jobId);
              return saveDownload(ticket, volume, viaFetch);
            },
            (e: unknown) => setError(HangarError.from(e)),
          ).catch((e: unknown) => setError(HangarError.from(e)));
        }}
      >
        {t('transfer.download')}
      </button>
      {job && job.state !== 'succeeded' && <TransferFigures stats={job.transfer} label={t('transfer.download.progressLabel', { name: volume })} tone={jobTone(job.state)} testId="volume-download-figures" />}
      {result && <div className="muted small" data-testid="volume-download-done">{t('transfer.download.done', { size: formatBytes(result.bytes, lang), sha: result.sha256.slice(0, 16) + '…' })}</div>}
      {job?.state === 'failed' && job.error && <ErrorBanner error={HangarError.fromData(job.error)} />}
      <ErrorBanner error={error} />
    </div>
  );
}
