import { useState } from 'react';
import type { OsEntry } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useVms } from '../../stores/vms-store';
import { registerFromVm } from '../../api/library';
import { ItemFields, blankItemFields, itemParams, type ItemFieldValues } from './ItemFields';

/** Register a template from a stopped VM's root disk; the item is listed at once and usable once Ready. */
export function RegisterForm({ os, onDone }: { os: OsEntry[]; onDone: () => void }) {
  const t = useT();
  const vms = Object.values(useVms((s) => s.byId))
    .filter((v) => v.state === 'stopped')
    .sort((a, b) => a.name.localeCompare(b.name));
  const hosts = useHosts((s) => s.byId);
  const [vmId, setVmId] = useState('');
  const [pool, setPool] = useState('');
  const [f, setF] = useState<ItemFieldValues>(blankItemFields);
  const [error, setError] = useState<HangarError | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = vms.find((v) => v.id === vmId) ?? vms[0];
  return (
    <PanelForm
      title={t('templates.form.registerTitle')}
      testId="library-register-form"
      onSubmit={() => {
        if (!chosen) return;
        setBusy(true);
        setError(null);
        // The item appears in the list at once (Uploading n%): the form closes, the row shows the rest.
        const p = registerFromVm({ vmId: chosen.id, ...itemParams(f), ...(pool.trim() ? { pool: pool.trim() } : {}) });
        const t0 = setTimeout(onDone, 400);
        p.catch((err: unknown) => {
          clearTimeout(t0);
          setError(HangarError.from(err));
        }).finally(() => setBusy(false));
      }}
    >
      <Field label={t('templates.form.vm')}>
        <select data-testid="library-form-vm" value={chosen?.id ?? ''} onChange={(e) => setVmId(e.target.value)}>
          {vms.length === 0 && <option value="">{t('templates.form.noVms')}</option>}
          {vms.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name} ({hosts[v.hostId]?.name ?? v.hostId})
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('templates.form.pool')}>
        <input data-testid="library-form-pool" value={pool} onChange={(e) => setPool(e.target.value)} />
      </Field>
      <p className="muted small span-all">{t('templates.form.vmHint')}</p>
      <ItemFields f={f} set={(n) => setF((x) => ({ ...x, ...n }))} os={os} />
      <ErrorBanner error={error} testId="library-register-error" className="span-all" />
      <SubmitRow label={t('templates.form.submit')} testId="library-register-submit" disabled={busy || !chosen || !f.name.trim()}>
        <button type="button" className="btn" onClick={onDone}>
          {t('templates.form.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
