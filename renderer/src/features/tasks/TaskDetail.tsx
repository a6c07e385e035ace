import type { Job } from '../../../../engine/contract';
import type { HangarError } from '../../../../engine/contract/errors';
import { ProgressBar } from '../../components/ProgressBar';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { navigate } from '../../stores/route-store';
import { artifactLabel, Leftovers, useHostName } from './Leftovers';
import { ParentLink, TargetCell, WaitText } from './JobCells';
import { TableHead } from '../../components/TableHead';
import { MigrationBar, MigrationFigures } from '../migration/MigrationProgress';

/** One task in full (`#/tasks/<jobId>`): its times, outcome, and everything it made on hosts. */
export function TaskDetail({ job, onError }: { job: Job | undefined; onError: (e: HangarError) => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const hostName = useHostName();
  const back = (
    <button type="button" className="btn btn-small" onClick={() => navigate('tasks')} data-testid="task-back">
      ← {t('tasks.detail.back')}
    </button>
  );
  if (!job) {
    return (
      <section className="panel">
        <p>{t('tasks.detail.missing')}</p>
        {back}
      </section>
    );
  }
  const time = (ms: number | null) => (ms ? new Date(ms).toLocaleString(lang) : '—');
  const title = translateMessage(t, job.title);
  return (
    <section className="panel" data-testid="task-detail" data-job-id={job.id} data-state={job.state}>
      {back}
      <h2>
        {title}{' '}
        <span className={`badge state-${job.state}`} data-testid="task-detail-state">
          {t(`tasks.state.${job.state}`)}
        </span>
      </h2>
      <ParentLink job={job} />
      <WaitText job={job} />
      {job.state === 'interrupted' && <p className="banner warn">{t('tasks.interrupted')}</p>}
      {job.error && <p className="banner error">{job.error.message}</p>}
      <dl className="about">
        {(job.target || job.hostId) && (
          <>
            <dt>{t('tasks.col.target')}</dt>
            <dd>
              <TargetCell job={job} />
            </dd>
          </>
        )}
        <dt>{t('tasks.detail.queued')}</dt>
        <dd>{time(job.createdAt)}</dd>
        <dt>{t('tasks.detail.started')}</dt>
        <dd>{time(job.startedAt)}</dd>
        <dt>{t('tasks.detail.finished')}</dt>
        <dd>{time(job.finishedAt)}</dd>
        {job.step && (
          <>
            <dt>{t('tasks.detail.step')}</dt>
            <dd>{translateMessage(t, job.step)}</dd>
          </>
        )}
        <dt>{t('tasks.col.progress')}</dt>
        <dd>
          {job.migration ? <MigrationBar job={job} label={title} /> : <ProgressBar value={job.progress} label={title} />}
        </dd>
      </dl>
      {job.migration && <MigrationFigures stats={job.migration} />}
      <Leftovers job={job} onError={onError} />
      <h3>{t('tasks.detail.artifacts')}</h3>
      {(job.artifacts ?? []).length === 0 ? (
        <p className="muted">{t('tasks.detail.noArtifacts')}</p>
      ) : (
        <table className="table" data-testid="task-artifacts">
          <TableHead cols={[t('tasks.col.item'), t('tasks.col.state')]} />
          <tbody>
            {job.artifacts!.map((a) => (
              <tr key={a.id} data-testid="task-artifact" data-name={a.name} data-state={a.state}>
                <td>{artifactLabel(t, a, hostName(a.hostId))}</td>
                <td>{t(`tasks.artifactState.${a.state}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
