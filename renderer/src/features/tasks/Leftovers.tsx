import { useState } from 'react';
import { leftovers, type Job, type JobArtifact } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import type { Translate } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { cleanUpJobLeftovers, keepJobLeftovers } from '../../api/jobs';

/** One journalled artifact as a person reads it: what, where, on which host. */
export function artifactLabel(t: Translate, a: JobArtifact, hostName: string): string {
  return a.kind === 'volume' ? t('tasks.artifact.volume', { name: a.name, pool: a.pool ?? '?', host: hostName }) : t('tasks.artifact.domain', { name: a.name, host: hostName });
}

export function useHostName(): (hostId: string) => string {
  const hosts = useHosts((s) => s.byId);
  return (id) => hosts[id]?.name ?? id;
}

/**
 * What a failed or interrupted task left on hosts, and the two ways out: delete it (a clean-up
 * task) or keep it. Nothing a task made is left unmentioned.
 */
export function Leftovers({ job, onError }: { job: Job; onError: (e: HangarError) => void }) {
  const t = useT();
  const hostName = useHostName();
  const cleanup = useJobs((s) => (job.cleanupJobId ? s.byId[job.cleanupJobId] : undefined));
  const [busy, setBusy] = useState(false);
  const left = leftovers(job);
  if (left.length === 0) return null;
  const cleaning = busy || cleanup?.state === 'running' || cleanup?.state === 'queued';
  const act = (p: Promise<unknown>) => {
    setBusy(true);
    p.catch((e: unknown) => onError(HangarError.from(e))).finally(() => setBusy(false));
  };
  return (
    <div className="leftovers" data-testid="job-leftovers" role="status">
      <div>{t('tasks.leftovers', { count: left.length })}</div>
      <ul>
        {left.map((a) => (
          <li key={a.id} data-testid="job-leftover" data-kind={a.kind} data-name={a.name}>
            {artifactLabel(t, a, hostName(a.hostId))}
          </li>
        ))}
      </ul>
      {cleanup?.state === 'failed' && cleanup.error && <div className="error small">{cleanup.error.message}</div>}
      <div className="row-actions">
        <button type="button" className="btn btn-small btn-danger" disabled={cleaning} data-testid="job-cleanup" onClick={() => act(cleanUpJobLeftovers(job.id))}>
          {cleaning ? t('tasks.cleaning') : t('tasks.cleanUp')}
        </button>
        <button type="button" className="btn btn-small" disabled={cleaning} data-testid="job-keep" onClick={() => act(keepJobLeftovers(job.id))}>
          {t('tasks.keep')}
        </button>
      </div>
    </div>
  );
}
