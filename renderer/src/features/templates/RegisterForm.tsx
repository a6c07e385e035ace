import { useEffect, useState } from 'react';
import type { OsEntry, Snapshot } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useVms } from '../../stores/vms-store';
import { registerFromVm } from '../../api/library';
import { listSnapshots } from '../../api/snapshots';
import { ItemFields, blankItemFields, itemParams, type ItemFieldValues } from './ItemFields';

const isStopped = (state: string) => state === 'stopped' || state === 'crashed';

/**
 * Register a template from a VM's root disk, as it is now (a stopped VM) or as one of its snapshots
 * froze it; the item is listed at once and usable once Ready. Of a running VM only an external
 * snapshot is offered: an internal one is inside the disk the VM writes to (the engine refuses it too).
 */
export function RegisterForm({ os, onDone }: { os: OsEntry[]; onDone: () => void }) {
  const t = useT();
  const vms = Object.values(useVms((s) => s.byId))
    .filter((v) => !v.lastSeen)
    .sort((a, b) => a.name.localeCompare(b.name));
  const hosts = useHosts((s) => s.byId);
  const [vmId, setVmId] = useState('');
  const [pool, setPool] = useState('');
  const [f, setF] = useState<ItemFieldValues>(blankItemFields);
  const [error, setError] = useState<HangarError | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = vms.find((v) => v.id === vmId) ?? vms.find((v) => isStopped(v.state)) ?? vms[0];
  const chosenId = chosen?.id ?? '';
  const stopped = chosen ? isStopped(chosen.state) : false;
  // '' = the disk as it is now; otherwise a snapshot's name.
  const [snapshot, setSnapshot] = useState('');
  const [snaps, setSnaps] = useState<{ vmId: string; list: Snapshot[] } | null>(null);
  useEffect(() => {
    if (!chosenId) return;
    let live = true;
    listSnapshots(chosenId).then(
      (l) => live && setSnaps({ vmId: chosenId, list: l.snapshots }),
      () => live && setSnaps({ vmId: chosenId, list: [] }),
    );
    return () => {
      live = false;
    };
  }, [chosenId]);
  const list = snaps?.vmId === chosenId ? snaps.list : [];
  const usable = (s: Snapshot) => stopped || s.kind === 'external';
  const picked = list.find((s) => s.name === snapshot);
  const source = picked && usable(picked) ? picked.name : stopped ? '' : (list.find(usable)?.name ?? null);
  return (
    <PanelForm
      title={t('templates.form.registerTitle')}
      testId="library-register-form"
      onSubmit={() => {
        if (!chosen) return;
        setBusy(true);
        setError(null);
        // The item appears in the list at once (Uploading n%): the form closes, the row shows the rest.
        const p = registerFromVm({ vmId: chosen.id, ...itemParams(f), ...(pool.trim() ? { pool: pool.trim() } : {}), ...(source ? { snapshot: source } : {}) });
        const t0 = setTimeout(onDone, 400);
        p.catch((err: unknown) => {
          clearTimeout(t0);
          setError(HangarError.from(err));
        }).finally(() => setBusy(false));
      }}
    >
      <Field label={t('templates.form.vm')}>
        <select
          data-testid="library-form-vm"
          value={chosenId}
          onChange={(e) => {
            setVmId(e.target.value);
            setSnapshot('');
          }}
        >
          {vms.length === 0 && <option value="">{t('templates.form.noVms')}</option>}
          {vms.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name} ({hosts[v.hostId]?.name ?? v.hostId})
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('templates.form.source')}>
        <select data-testid="library-form-source" value={source ?? ''} onChange={(e) => setSnapshot(e.target.value)}>
          <option value="" disabled={!stopped}>
            {stopped ? t('templates.form.sourceDisk') : t('templates.form.sourceDiskRunning')}
          </option>
          {list.map((s) => (
            <option key={s.name} value={s.name} disabled={!usable(s)}>
              {t(usable(s) ? 'templates.form.sourceSnapshot' : 'templates.form.sourceSnapshotInternal', { name: s.name, kind: t(s.kind === 'external' ? 'templates.form.external' : 'templates.form.internal') })}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('templates.form.pool')}>
        <input data-testid="library-form-pool" value={pool} onChange={(e) => setPool(e.target.value)} />
      </Field>
      <p className="muted small span-all" data-testid="library-form-source-hint">
        {t(stopped ? 'templates.form.vmHint' : source ? 'templates.form.vmHintSnapshot' : 'templates.form.vmHintRunning')}
      </p>
      <ItemFields f={f} set={(n) => setF((x) => ({ ...x, ...n }))} os={os} />
      <ErrorBanner error={error} testId="library-register-error" className="span-all" />
      <SubmitRow label={t('templates.form.submit')} testId="library-register-submit" disabled={busy || !chosen || source === null || !f.name.trim()}>
        <button type="button" className="btn" onClick={onDone}>
          {t('templates.form.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
