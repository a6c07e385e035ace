import { useState } from 'react';
import { FINAL_JOB_STATES, type Job } from '../../../../engine/contract';
import { runSelfTest } from '../../api/engine';
import { cancelJob } from '../../api/jobs';
import { runVmAction } from '../../api/vms';
import { HangarError } from '../../../../engine/contract/errors';
import { EmptyState } from '../../components/EmptyState';
import { jobTone, ProgressBar } from '../../components/ProgressBar';
import { formatTime } from '../../components/format';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useJobs } from '../../stores/jobs-store';
import { ErrorBanner, JobErrorText } from '../../components/ErrorBanner';
import { navigate, useRoute } from '../../stores/route-store';
import { Leftovers } from './Leftovers';
import { TaskDetail } from './TaskDetail';
import { TargetCell, WaitText } from './JobCells';
import { jobTree } from './job-tree';
import { TableHead } from '../../components/TableHead';
import { MigrationBar, MigrationFigures } from '../migration/MigrationProgress';

function JobRow({ job, depth, subtasks, onError }: { job: Job; depth: number; subtasks: Job[]; onError: (e: HangarError) => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const title = translateMessage(t, job.title);
  const live = job.state === 'running' || job.state === 'queued';
  const target = job.target;
  return (
    <tr data-testid="job-row" data-job-id={job.id} data-state={job.state} data-depth={depth} data-parent-id={job.parentId} className={depth > 0 ? 'job-child' : undefined}>
      <td style={depth > 0 ? { paddingLeft: `${10 + depth * 24}px` } : undefined}>
        <div>
          {depth > 0 && (
            <span className="muted job-child-mark" aria-hidden="true">
              ↳{' '}
            </span>
          )}
          <a href={`#/tasks/${encodeURIComponent(job.id)}`} onClick={(e) => { e.preventDefault(); navigate('tasks', job.id); }} data-testid="job-open">
            {title}
          </a>
        </div>
        {job.step && live && <div className="muted small">{translateMessage(t, job.step)}</div>}
        {job.migration && live && <MigrationFigures stats={job.migration} compact />}
        <WaitText job={job} />
        {subtasks.length > 0 && (
          <div className="muted small" data-testid="job-subtasks">
            {t('tasks.subtasks', { done: subtasks.filter((c) => FINAL_JOB_STATES.includes(c.state)).length, count: subtasks.length })}
          </div>
        )}
        {job.state === 'interrupted' && <div className="warn small">{t('tasks.interrupted')}</div>}
        {job.error && <JobErrorText error={job.error} />}
        <Leftovers job={job} onError={onError} />
      </td>
      <td>
        <TargetCell job={job} />
      </td>
      <td>
        <span className={`badge state-${job.state}`} data-testid="job-state">
          {t(`tasks.state.${job.state}`)}
        </span>
      </td>
      <td>
        {job.migration ? <MigrationBar job={job} label={title} /> : <ProgressBar value={job.progress} label={title} tone={jobTone(job.state)} />}
      </td>
      <td className="muted small">{job.startedAt ? formatTime(job.startedAt, lang) : ''}</td>
      <td>
        {job.error?.details?.offer === 'forceOff' && target?.kind === 'vm' && (
          <button
            type="button"
            className="btn btn-small btn-danger"
            data-testid="job-force-off"
            onClick={() => runVmAction([target.id], 'forceOff').catch((e: unknown) => onError(HangarError.from(e)))}
          >
            {t('vm.action.forceOff')}
          </button>
        )}
        {live && job.cancellable && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="job-cancel"
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
  const lines = jobTree(Object.values(byId));
  const openId = useRoute((s) => s.param);
  const [error, setError] = useState<HangarError | null>(null);
  const startSelfTest = (children = 0) => {
    setError(null);
    runSelfTest({ steps: 10, stepMs: 500, children }).catch((e: unknown) => setError(HangarError.from(e)));
  };
  return (
    <section>
      <div className="page-head">
        <h1>{t('tasks.title')}</h1>
        <div className="row-actions">
          <button type="button" className="btn" onClick={() => startSelfTest(3)} data-testid="run-self-test-parent">
            {t('tasks.runSelfTestParent')}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => startSelfTest()} data-testid="run-self-test">
            {t('tasks.runSelfTest')}
          </button>
        </div>
      </div>
      <ErrorBanner error={error} />
      {openId && <TaskDetail job={byId[openId]} onError={setError} />}
      {lines.length === 0 ? (
        <EmptyState title={t('tasks.empty')} />
      ) : (
        <table className="table">
          <TableHead cols={[t('tasks.col.task'), t('tasks.col.target'), t('tasks.col.state'), t('tasks.col.progress'), t('tasks.col.started'), t('tasks.col.actions')]} />
          <tbody>
            {lines.map(({ job, depth }) => (
              <JobRow key={job.id} job={job} depth={depth} subtasks={lines.filter((l) => l.job.parentId === job.id).map((l) => l.job)} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
