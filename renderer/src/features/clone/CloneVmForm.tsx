import { useEffect, useState } from 'react';
import type { Snapshot, Vm } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { ProgressBar } from '../../components/ProgressBar';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { navigate } from '../../stores/route-store';
import { cloneVm } from '../../api/clone';
import { listSnapshots } from '../../api/snapshots';

/** The disks now, a new snapshot, or `snap:<name>`, an existing one. */
type From = string;

/**
 * The Clone dialog, on the VM page and the VM list: the clone's name, full or linked, what it is
 * taken from, the target host (placement's choice or one named) and pool. The job's progress
 * shows here and in Tasks; a refusal (a running source, a linked clone on a live disk) names why.
 */
export function CloneVmForm({ vm, onDone }: { vm: Vm; onDone: () => void }) {
  const t = useT();
  const hosts = Object.values(useHosts((s) => s.byId)).filter((h) => h.state === 'connected');
  const running = vm.state !== 'stopped' && vm.state !== 'crashed' && vm.state !== 'error';
  const [f, setF] = useState({ name: `${vm.name}-clone`, mode: 'full' as 'full' | 'linked', from: (running ? 'newSnapshot' : 'now') as From, hostId: '', pool: '', start: false });
  const [error, setError] = useState<HangarError | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined));
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  useEffect(() => {
    void listSnapshots(vm.id).then((l) => setSnapshots(l.snapshots), () => setSnapshots([]));
  }, [vm.id]);
  // A linked clone sits only on what no VM writes to: an external snapshot's frozen images.
  const choices = f.mode === 'linked' ? snapshots.filter((s) => s.kind === 'external') : snapshots;
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((x) => ({ ...x, [k]: v }));
  const targets = f.hostId ? hosts.filter((h) => h.id === f.hostId) : hosts;
  const pools = [...new Set(targets.flatMap((h) => h.facts?.pools.map((p) => p.name) ?? []))].sort();

  const submit = () => {
    setError(null);
    cloneVm({
      source: {
        kind: 'vm',
        vmId: vm.id,
        newSnapshot: f.mode === 'full' && f.from === 'newSnapshot',
        ...(f.from.startsWith('snap:') ? { snapshot: f.from.slice(5) } : {}),
      },
      name: f.name,
      mode: f.mode,
      ...(f.hostId ? { hostId: f.hostId } : {}),
      ...(f.pool ? { pool: f.pool } : {}),
      start: f.start,
    }).then((r) => setJobId(r.jobId), (e: unknown) => setError(HangarError.from(e)));
  };

  return (
    <PanelForm title={t('clone.title', { name: vm.name })} testId="clone-form" onSubmit={submit}>
      <Field label={t('clone.name')}>
        <input data-testid="clone-name" value={f.name} onChange={(e) => set('name', e.target.value)} required />
      </Field>
      <Field label={t('clone.mode')}>
        <select data-testid="clone-mode" value={f.mode} onChange={(e) => setF((x) => ({ ...x, mode: e.target.value as 'full' | 'linked', from: e.target.value === 'linked' ? 'now' : running ? 'newSnapshot' : 'now' }))}>
          <option value="full">{t('clone.mode.full')}</option>
          <option value="linked">{t('clone.mode.linked')}</option>
        </select>
      </Field>
      <p className="muted small span-all" data-testid="clone-mode-help">
        {t(f.mode === 'full' ? 'clone.mode.fullHelp' : 'clone.mode.linkedHelp')}
      </p>
      <Field label={t('clone.from')}>
        <select data-testid="clone-from" value={f.from} onChange={(e) => set('from', e.target.value)}>
          {f.mode === 'full' && <option value="now">{t('clone.from.now')}</option>}
          {f.mode === 'full' && <option value="newSnapshot">{t('clone.from.newSnapshot')}</option>}
          {f.mode === 'linked' && <option value="now">{t('clone.from.live')}</option>}
          {choices.map((s) => (
            <option key={s.name} value={`snap:${s.name}`}>
              {t('clone.from.snapshot', { snapshot: s.name })}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('clone.host')}>
        <select data-testid="clone-host" value={f.hostId} onChange={(e) => set('hostId', e.target.value)}>
          <option value="">{t('clone.host.auto')}</option>
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('clone.pool')}>
        <select data-testid="clone-pool" value={f.pool} onChange={(e) => set('pool', e.target.value)}>
          <option value="">{t('clone.pool.same')}</option>
          {pools.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </Field>
      <label className="check span-all">
        <input type="checkbox" data-testid="clone-start" checked={f.start} onChange={(e) => set('start', e.target.checked)} />
        {t('clone.start')}
      </label>
      {running && f.mode === 'full' && f.from === 'now' && (
        <p className="banner warn span-all" data-testid="clone-running-hint">
          {t('clone.runningHint', { name: vm.name })}
        </p>
      )}
      <p className="muted small span-all">{t('clone.new')}</p>
      <ErrorBanner error={error} testId="clone-error" className="span-all" />
      {job && (
        <div className="span-all" data-testid="clone-progress" data-state={job.state} role="status">
          <p>{t('clone.started', { name: vm.name, clone: f.name })}</p>
          {(job.state === 'queued' || job.state === 'running') && <ProgressBar value={job.progress} label={translateMessage(t, job.title)} />}
          {job.step && <p className="muted small">{translateMessage(t, job.step)}</p>}
          {job.error && <ErrorBanner error={HangarError.fromData(job.error)} testId="clone-job-error" />}
        </div>
      )}
      <SubmitRow label={t('clone.submit')} testId="clone-submit" disabled={!!job && (job.state === 'queued' || job.state === 'running')}>
        <button type="button" className="btn" data-testid="clone-tasks" onClick={() => navigate('tasks')}>
          {t('nav.tasks')}
        </button>
        <button type="button" className="btn" data-testid="clone-close" onClick={onDone}>
          {t('clone.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
