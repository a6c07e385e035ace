import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { ProgressBar } from '../../components/ProgressBar';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useJobs } from '../../stores/jobs-store';
import { navigate } from '../../stores/route-store';
import type { Message } from '../../../../engine/contract';
import { PlacementWarnings } from '../placement/PlacementRefusal';

/**
 * A create's progress and outcome, in front of the user until they close it: on failure the
 * reason and the way back to the form (its values kept), on success the way to the new VM.
 */
export function CreateResult({ jobId, name, warnings = [], onBack, onClose }: { jobId: string; name: string; warnings?: Message[]; onBack: () => void; onClose: () => void }) {
  const t = useT();
  const job = useJobs((s) => s.byId[jobId]);
  const state = job?.state ?? 'queued';
  const live = state === 'queued' || state === 'running';
  const host = String(job?.title.args?.host ?? '');
  const result = job?.result as { uuid?: string; hostId?: string } | undefined;
  return (
    <div className="panel" data-testid="vm-create-result" data-state={state} role="status">
      <h2>{live ? t('vm.create.creating', { name }) : state === 'succeeded' ? t('vm.create.succeeded', { name, host }) : t('vm.create.failed', { name })}</h2>
      <PlacementWarnings warnings={warnings} />
      {job && live && (
        <>
          <ProgressBar value={job.progress} label={translateMessage(t, job.title)} />
          {job.step && <p className="muted small">{translateMessage(t, job.step)}</p>}
        </>
      )}
      {job?.error && <ErrorBanner error={HangarError.fromData(job.error)} testId="vm-create-job-error" />}
      {job?.error?.details?.['fix'] === 'useSoftwareEmulation' && <p data-testid="vm-create-kvm-hint">{t('vm.startFailed.kvm')}</p>}
      <div className="actions">
        {state === 'succeeded' && result?.uuid && result.hostId && (
          <button type="button" className="btn btn-primary" data-testid="vm-create-open" onClick={() => navigate('vms', result.uuid)}>
            {t('vm.create.openVm', { name })}
          </button>
        )}
        {(state === 'failed' || state === 'cancelled') && (
          <button type="button" className="btn btn-primary" data-testid="vm-create-back" onClick={onBack}>
            {t('vm.create.back')}
          </button>
        )}
        <button type="button" className="btn" data-testid="vm-create-dismiss" onClick={onClose}>
          {t('vm.create.dismiss')}
        </button>
      </div>
    </div>
  );
}
