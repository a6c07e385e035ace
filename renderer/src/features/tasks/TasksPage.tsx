import { useState } from 'react';
import type { Job } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { EmptyState } from '../../components/EmptyState';
import { jobTone, ProgressBar } from '../../components/ProgressBar';
import { formatTime } from '../../components/format';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { sortedJobs, useJobs } from '../../stores/jobs-store';
import { ErrorBanner, JobErrorText } from '../../components/ErrorBanner';
import { navigate, useRoute } from '../../stores/route-store';
import { Leftovers } from './Leftovers';
import { TaskDetail } from './TaskDetail';
import { runSelfTest } from '../../api/engine';
import { cancelJob } from '../../api/jobs';
import { runVmAction } from '../../api/vms';

function JobRow({ job, onError }: { job: Job; onError: (e: HangarError) => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const title = translateMessage(t, job.title);
  const live = job.state === 'running' || job.state === 'queued';
  return (
    <tr data-testid="job-row" data-job-id={job.id} data-state={job.state}>
      <td>
        <div>
          <a href={`#/tasks/${encodeURIComponent(job.id)}`} onClick={(e) => { e.preventDefault(); navigate('tasks', job.id); }} data-testid="job-open">
            {title}
          </a>
        </div>
        {job.step && live && <div className="muted small">{translateMessage(t, job.step)}</div>}
        {job.state === 'interrupted' && <div className="warn small">{t('tasks.interrupted')}</div>}
        {job.error && <JobErrorText error={job.error} />}
        <Leftovers job={job} onError={onError} />
      </td>
      <td>
        <span className={`badge state-${job.state}`} data-testid="job-state">
          {t(`tasks.state.${job.state}`)}
        </span>
      </td>
      <td>
        <ProgressBar value={job.progress} label={title} tone={jobTone(job.state)} />
      </td>
      <td className="muted small">{job.startedAt ? formatTime(job.startedAt, lang) : ''}</td>
      <td>
        {job.error?.details?.offer === 'forceOff' && job.target?.vmId && (
          <button
            type="button"
            className="btn btn-small btn-danger"
            data-testid="job-force-off"
            onClick={() => runVmAction([job.target!.vmId!], 'forceOff').catch((e: unknown) => onError(HangarError.from(e)))}
          >
            {t('vm.action.forceOff')}
          </button>
        )}
        {live && job.cancellable && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => cancelJob(job.id).catch((e: unknown) => onError(HangarError.from(e)))}
          >
            {t('tasks.cancel')}
          </button>
        )}
      </td>
    </tr>
  );
}

export function TasksPage() {
  const t = useT();
  const byId = useJobs((s) => s.byId);
  const jobs = sortedJobs(byId);
  const openId = useRoute((s) => s.param);
  const [error, setError] = useState<HangarError | null>(null);
  const startSelfTest = () => {
    setError(null);
    runSelfTest({ steps: 10, stepMs: 500 }).catch((e: unknown) => setError(HangarError.from(e)));
  };
  return (
    <section>
      <div className="page-head">
        <h1>{t('tasks.title')}</h1>
        <button type="button" className="btn btn-primary" onClick={startSelfTest} data-testid="run-self-test">
          {t('tasks.runSelfTest')}
        </button>
      </div>
      <ErrorBanner error={error} />
      {openId && <TaskDetail job={byId[openId]} onError={setError} />}
      {jobs.length === 0 ? (
        <EmptyState title={t('tasks.empty')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('tasks.col.task')}</th>
              <th>{t('tasks.col.state')}</th>
              <th>{t('tasks.col.progress')}</th>
              <th>{t('tasks.col.started')}</th>
              <th>{t('tasks.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <JobRow key={j.id} job={j} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
