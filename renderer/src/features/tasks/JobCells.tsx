import type { Job } from '../../../../engine/contract';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { useVms } from '../../stores/vms-store';
import { navigate } from '../../stores/route-store';

/** What the task acts on, by its name now (a VM or host renamed since shows its new name). */
export function TargetCell({ job }: { job: Job }) {
  const t = useT();
  const vm = useVms((s) => (job.target?.kind === 'vm' ? s.byId[job.target.id] : undefined));
  const host = useHosts((s) => (job.target?.kind === 'host' ? s.byId[job.target.id] : job.hostId ? s.byId[job.hostId] : undefined));
  if (!job.target)
    return host ? (
      <span data-testid="job-target" data-kind="host" data-host-name={host.name}>
        {t('tasks.target.host', { name: host.name })}
      </span>
    ) : null;
  // A VM or host gone since (deleted, removed) keeps the name the task was given.
  const name = vm?.name ?? (job.target.kind === 'host' ? host?.name : undefined) ?? String(job.title.args?.['name'] ?? job.target.id);
  // The name is data (marked so, like names elsewhere), the words around it are the UI's.
  const nameAttr = { [`data-${job.target.kind}-name`]: name };
  return (
    <span data-testid="job-target" data-kind={job.target.kind} {...nameAttr}>
      {t(`tasks.target.${job.target.kind}`, { name })}
    </span>
  );
}

/** Why a queued task has not started yet. */
export function WaitText({ job }: { job: Job }) {
  const t = useT();
  const blocking = useJobs((s) => (job.waitingFor?.reason === 'target' ? s.byId[job.waitingFor.jobId] : undefined));
  const w = job.waitingFor;
  if (job.state !== 'queued' || !w) return null;
  const text =
    w.reason === 'target'
      ? t('tasks.wait.target', { task: blocking ? translateMessage(t, blocking.title) : w.jobId })
      : w.reason === 'limit'
        ? t(`tasks.wait.limit.${w.scope}`, { limit: w.limit })
        : t('tasks.wait.capacity');
  return (
    <div className="muted small" data-testid="job-waiting" data-reason={w.reason}>
      {text}
    </div>
  );
}

/** A subtask names its parent, a link to it. */
export function ParentLink({ job }: { job: Job }) {
  const t = useT();
  const parent = useJobs((s) => (job.parentId ? s.byId[job.parentId] : undefined));
  if (!parent) return null;
  return (
    <a href={`#/tasks/${encodeURIComponent(parent.id)}`} onClick={(e) => { e.preventDefault(); navigate('tasks', parent.id); }} data-testid="task-parent">
      {t('tasks.subtaskOf', { task: translateMessage(t, parent.title) })}
    </a>
  );
}
