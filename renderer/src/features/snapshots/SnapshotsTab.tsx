import { useCallback, useEffect, useState } from 'react';
import type { Snapshot, SnapshotList, Vm } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { createSnapshot, deleteSnapshot, listSnapshots, revertSnapshot } from '../../api/snapshots';
import { followJob } from '../../api/jobs';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { ProgressBar } from '../../components/ProgressBar';
import { TableHead } from '../../components/TableHead';
import { formatBytes, formatDateTime } from '../../components/format';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useJobs } from '../../stores/jobs-store';

type Confirm = { kind: 'revert' | 'delete' | 'deleteTree'; snap: Snapshot } | null;

/**
 * The VM page's Snapshots tab: the tree (current marked, made outside Hangar badged), Take
 * snapshot, and Revert / Delete, each confirmed with what it does first. Every change is a job on
 * the VM; the tab shows its progress and reads the tree again when it ends.
 */
export function SnapshotsTab({ vm }: { vm: Vm }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [data, setData] = useState<SnapshotList | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined));
  const [confirm, setConfirm] = useState<Confirm>(null);
  const running = vm.state === 'running' || vm.state === 'paused';
  const [f, setF] = useState({ name: '', description: '', memory: running, external: false, quiesce: true });

  const load = useCallback(() => {
    listSnapshots(vm.id).then(setData, (e: unknown) => setError(HangarError.from(e)));
  }, [vm.id]);
  useEffect(load, [load, vm.state]);

  /** Starts a job and follows it: the tree is read again when it ends, its error shown if it failed. */
  const start = (p: Promise<{ jobId: string }>) => {
    setError(null);
    setConfirm(null);
    p.then(
      async ({ jobId: id }) => {
        setJobId(id);
        const done = await followJob(id);
        if (done.state !== 'succeeded' && done.error) setError(HangarError.fromData(done.error));
        setJobId(null);
        load();
      },
      (e: unknown) => setError(HangarError.from(e)),
    );
  };
  const busy = jobId !== null;
  const snaps = data?.snapshots ?? [];
  const current = snaps.find((s) => s.current) ?? null;
  const blocked = data?.disks.filter((d) => !d.supported) ?? [];
  const when = (s: Snapshot | null) => (s?.createdAt ? formatDateTime(s.createdAt, lang) : '—');

  return (
    <div data-testid="vm-snapshots">
      {data?.conditions.map((c) => (
        <p key={c.type} className="banner warn" role="status" data-testid="snap-condition-NoGuestAgent">
          <strong translate="no">{t('snap.cond.NoGuestAgent')}</strong> {t('snap.cond.NoGuestAgent.help', { snapshot: c.snapshot })}
        </p>
      ))}
      {blocked.map((d) => (
        <p key={d.target} className="banner warn" data-testid="snap-disk-unsupported">
          {t(`snap.disk.unsupported.${d.reason ?? 'raw'}`, { target: d.target })}
        </p>
      ))}
      <ErrorBanner error={error} testId="snap-error" />
      {job && (
        <div className="panel" data-testid="snap-job">
          <div>{translateMessage(t, job.title)}</div>
          {job.step && <div className="muted small">{translateMessage(t, job.step)}</div>}
          <ProgressBar value={job.progress} label={translateMessage(t, job.title)} tone={job.state === 'queued' || job.state === 'running' ? 'active' : 'done'} />
        </div>
      )}
      {confirm && (
        <div className="panel" data-testid="snap-confirm" role="dialog">
          <h2>{t(`snap.confirm.${confirm.kind}.title`, { snapshot: confirm.snap.name })}</h2>
          {confirm.kind === 'revert' && (
            <ul data-testid="snap-revert-loss">
              <li>{current && current.name !== confirm.snap.name ? t('snap.revert.lossSince', { current: current.name, when: when(current) }) : t('snap.revert.lossNow')}</li>
              <li>{confirm.snap.memory ? t('snap.revert.memory', { when: when(confirm.snap) }) : running ? t('snap.revert.diskRunning') : t('snap.revert.diskStopped')}</li>
              <li>{t('snap.revert.kept')}</li>
            </ul>
          )}
          {confirm.kind === 'delete' && <p>{confirm.snap.children.length ? t('snap.delete.reparent', { count: confirm.snap.children.length, parent: confirm.snap.parent ?? t('snap.root') }) : t('snap.delete.one')}</p>}
          {confirm.kind === 'deleteTree' && <p>{t('snap.delete.tree', { count: confirm.snap.children.length })}</p>}
          {confirm.kind !== 'revert' && confirm.snap.kind === 'external' && <p className="muted small">{t('snap.delete.commit')}</p>}
          <div className="actions">
            <button
              type="button"
              className={confirm.kind === 'revert' ? 'btn btn-primary' : 'btn btn-danger'}
              data-testid="snap-confirm-ok"
              onClick={() => start(confirm.kind === 'revert' ? revertSnapshot(vm.id, confirm.snap.name) : deleteSnapshot(vm.id, confirm.snap.name, confirm.kind === 'deleteTree'))}
            >
              {t(`snap.action.${confirm.kind}`)}
            </button>
            <button type="button" className="btn" onClick={() => setConfirm(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
      <p className="muted small" data-testid="snap-count">
        {t('snap.count', { count: snaps.length, max: data?.max ?? 0 })}
      </p>
      {data && snaps.length === 0 ? (
        <p className="muted" data-testid="snap-empty">
          {t('snap.empty')}
        </p>
      ) : (
        <table className="table" data-testid="snap-table">
          <TableHead cols={[t('snap.col.name'), t('snap.col.date'), t('snap.col.memory'), t('snap.col.kind'), t('snap.col.size'), t('snap.col.consistency'), t('snap.col.description'), null]} />
          <tbody>
            {snaps.map((s) => {
              const noRevert = s.kind === 'external' && data && !data.externalRevert;
              return (
                <tr key={s.name} data-testid="snap-row" data-name={s.name} data-current={s.current ? 'yes' : 'no'}>
                  <td style={{ paddingLeft: `${0.5 + s.depth * 1.25}rem` }}>
                    {s.depth > 0 && <span className="muted">└ </span>}
                    <span className="mono">{s.name}</span>{' '}
                    {s.current && (
                      <span className="badge vm-running" data-testid="snap-current">
                        {t('snap.current')}
                      </span>
                    )}{' '}
                    {!s.byHangar && (
                      <span className="badge" data-testid="snap-outside" title={t('snap.outside.help')}>
                        {t('snap.outside')}
                      </span>
                    )}
                  </td>
                  <td className="small">{when(s)}</td>
                  <td>{s.memory ? t('snap.memory.yes') : t('snap.memory.no')}</td>
                  <td title={t(`snap.kind.${s.kind}.help`)}>{t(`snap.kind.${s.kind}`)}</td>
                  <td className="small">{s.sizeBytes === null ? '—' : formatBytes(s.sizeBytes, lang)}</td>
                  <td className="small">
                    {s.quiesced === true ? t('snap.quiesced') : s.quiesced === false ? t('snap.notQuiesced') : s.memory ? t('snap.withMemory') : '—'}
                    {s.indications.includes('NoGuestAgent') && (
                      <>
                        {' '}
                        <span className="badge vm-error" data-testid="snap-noagent" translate="no">
                          NoGuestAgent
                        </span>
                      </>
                    )}
                  </td>
                  <td className="small user-text">{s.description ?? ''}</td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="btn btn-small" data-testid={`snap-revert-${s.name}`} disabled={busy || noRevert === true} title={noRevert ? t('snap.revert.externalUnsupported') : undefined} onClick={() => setConfirm({ kind: 'revert', snap: s })}>
                        {t('snap.action.revert')}
                      </button>
                      <button type="button" className="btn btn-small btn-danger" data-testid={`snap-delete-${s.name}`} disabled={busy} onClick={() => setConfirm({ kind: 'delete', snap: s })}>
                        {t('snap.action.delete')}
                      </button>
                      {s.children.length > 0 && (
                        <button type="button" className="btn btn-small btn-danger" data-testid={`snap-delete-tree-${s.name}`} disabled={busy} onClick={() => setConfirm({ kind: 'deleteTree', snap: s })}>
                          {t('snap.action.deleteTree')}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <PanelForm
        title={t('snap.create.title')}
        testId="snap-create"
        onSubmit={() => {
          const memory = running && f.memory;
          start(createSnapshot({ vmId: vm.id, name: f.name.trim(), ...(f.description.trim() ? { description: f.description.trim() } : {}), memory, external: running ? !memory : f.external, quiesce: f.quiesce }));
          setF({ ...f, name: '', description: '' });
        }}
      >
        <Field label={t('snap.create.name')}>
          <input data-testid="snap-name" value={f.name} maxLength={64} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </Field>
        <Field label={t('snap.create.description')}>
          <input data-testid="snap-description" value={f.description} maxLength={2000} onChange={(e) => setF({ ...f, description: e.target.value })} />
        </Field>
        <label className="check" title={running ? undefined : t('snap.create.memoryStopped')}>
          <input type="checkbox" data-testid="snap-memory" checked={running && f.memory} disabled={!running} onChange={(e) => setF({ ...f, memory: e.target.checked })} />
          {t('snap.create.memory')}
        </label>
        <label className="check">
          <input type="checkbox" data-testid="snap-external" checked={running ? !f.memory : f.external} disabled={running} onChange={(e) => setF({ ...f, external: e.target.checked })} />
          {t('snap.create.external')}
        </label>
        {running && !f.memory && (
          <label className="check">
            <input type="checkbox" data-testid="snap-quiesce" checked={f.quiesce} onChange={(e) => setF({ ...f, quiesce: e.target.checked })} />
            {t('snap.create.quiesce')}
          </label>
        )}
        <p className="muted small span-all">{running ? (f.memory ? t('snap.create.help.memory') : t('snap.create.help.external')) : t('snap.create.help.stopped')}</p>
        <SubmitRow label={t('snap.create.submit')} testId="snap-create-submit" disabled={busy || !f.name.trim() || blocked.length > 0} />
      </PanelForm>
    </div>
  );
}
