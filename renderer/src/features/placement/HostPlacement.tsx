import { useEffect, useState } from 'react';
import { HangarError, type HostCapacity } from '../../../../engine/contract';
import { hostCapacities, setHostPlacement } from '../../api/placement';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatNumber } from '../../components/format';
import { SavedNote, useSavedNote } from '../../components/SavedNote';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { Field } from '../../components/Field';
import { TableHead } from '../../components/TableHead';
import { PanelForm, SubmitRow } from '../../components/PanelForm';

/**
 * A host's capacity as placement counts it (physical × ratio − reserve − running VMs − VMs being
 * created), and the settings behind it, editable here.
 */
export function HostPlacement({ hostId, refreshKey }: { hostId: string; refreshKey: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [cap, setCap] = useState<HostCapacity | null>(null);
  const [form, setForm] = useState({ memoryRatio: '', cpuRatio: '', memoryReserveMiB: '', taints: '' });
  const [error, setError] = useState<HangarError | null>(null);
  const [saved, flashSaved] = useSavedNote();
  const load = () =>
    hostCapacities().then((all) => {
      const c = all.find((x) => x.hostId === hostId) ?? null;
      setCap(c);
      if (c) setForm({ memoryRatio: String(c.settings.memoryRatio), cpuRatio: String(c.settings.cpuRatio), memoryReserveMiB: String(c.settings.memoryReserveMiB), taints: c.settings.taints.join(' ') });
    }, (e: unknown) => setError(HangarError.from(e)));
  useEffect(() => {
    void load();
  }, [hostId, refreshKey]);
  if (!cap) return error ? <ErrorBanner error={error} /> : null;
  const n = (v: number) => formatNumber(v, lang);
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <div data-testid="host-placement">
      <table className="table" data-testid="host-placement-capacity">
        <TableHead cols={[null, t('placement.cap.physical'), t('placement.cap.allocatable'), t('placement.cap.committed'), t('placement.cap.reserved'), t('placement.cap.free')]} />
        <tbody>
          {(['memory', 'vcpus'] as const).map((k) => (
            <tr key={k} data-resource={k}>
              <th scope="row">{t(k === 'memory' ? 'placement.cap.memoryMiB' : 'placement.cap.vcpus')}</th>
              <td>{n(cap[k].physical)}</td>
              <td>{n(cap[k].allocatable)}</td>
              <td>{n(cap[k].committed)}</td>
              <td>{n(cap[k].reserved)}</td>
              <td data-testid={`host-placement-free-${k}`}>{n(cap[k].free)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <PanelForm
        className="form-grid"
        onSubmit={() => {
          setError(null);
          setHostPlacement({
            hostId,
            memoryRatio: Number(form.memoryRatio),
            cpuRatio: Number(form.cpuRatio),
            memoryReserveMiB: Number(form.memoryReserveMiB),
            taints: form.taints.split(/[\s,]+/).filter(Boolean),
          }).then(
            () => {
              flashSaved();
              void load();
            },
            (err: unknown) => setError(HangarError.from(err)),
          );
        }}
      >
        <Field label={t('placement.memoryRatio')}>
          <input data-testid="host-placement-memory-ratio" inputMode="decimal" value={form.memoryRatio} onChange={(e) => set('memoryRatio', e.target.value.replace(/[^\d.]/g, ''))} />
        </Field>
        <Field label={t('placement.cpuRatio')}>
          <input data-testid="host-placement-cpu-ratio" inputMode="decimal" value={form.cpuRatio} onChange={(e) => set('cpuRatio', e.target.value.replace(/[^\d.]/g, ''))} />
        </Field>
        <Field label={t('placement.memoryReserve')}>
          <input data-testid="host-placement-reserve" inputMode="numeric" value={form.memoryReserveMiB} onChange={(e) => set('memoryReserveMiB', e.target.value.replace(/\D/g, ''))} />
        </Field>
        <Field label={t('placement.taints')}>
          <input data-testid="host-placement-taints" value={form.taints} placeholder="gpu" onChange={(e) => set('taints', e.target.value)} />
        </Field>
        <p className="muted small span-all">{t('placement.settingsHelp')}</p>
        <ErrorBanner error={error} className="span-all" />
        <SubmitRow label={t('common.save')} testId="host-placement-save">
          <SavedNote shown={saved} text={t('common.saved')} testId="host-placement-saved" />
        </SubmitRow>
      </PanelForm>
    </div>
  );
}
