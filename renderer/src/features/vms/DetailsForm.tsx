import { useState } from 'react';
import type { VmDetails } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { SavedNote, useSavedNote } from '../../components/SavedNote';
import { useT } from '../../i18n/use-t';
import { BootOrderOptions } from './BootOrderOptions';
import { editRules } from './vm-edit-rules';
import { useHosts } from '../../stores/hosts-store';
import { kvmUsable } from '../../../../engine/contract/hosts';
import { updateVm } from '../../api/vms';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';


const labelsText = (l: Record<string, string>) =>
  Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
const parseLabels = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i).trim(), line.slice(i + 1).trim()];
      }),
  );

/** The Details tab: what a person may change of a VM's saved configuration. */
export function DetailsForm({ details, onSaved, onError }: { details: VmDetails; onSaved: (d: VmDetails) => void; onError: (e: HangarError) => void }) {
  const t = useT();
  const vm = details.vm;
  const rules = editRules(details);
  const stopped = rules.stopped;
  const host = useHosts((s) => s.byId[vm.hostId]);
  // What the form showed when it opened: only fields the user changed from it are sent, so a
  // refresh of the page underneath cannot turn an untouched field into a change.
  const [initial] = useState(() => ({
    name: vm.name,
    memoryMiB: String(Math.round(vm.memoryKiB / 1024)),
    vcpus: String(vm.vcpus),
    description: details.description ?? '',
    group: details.group ?? '',
    labels: labelsText(details.labels),
    boot: details.bootOrder.join(','),
    firmware: details.firmware,
    accel: details.accel,
    autostart: details.autostart,
  }));
  const [f, setF] = useState(initial);
  const [saved, flashSaved] = useSavedNote();
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((x) => ({ ...x, [k]: v }));
  const submit = () => {
    const memoryMiB = Number(f.memoryMiB);
    const vcpus = Number(f.vcpus);
    updateVm({
        vmId: vm.id,
        ...(rules.name && f.name.trim() !== initial.name ? { name: f.name.trim() } : {}),
        ...(f.memoryMiB !== initial.memoryMiB ? { memoryMiB } : {}),
        ...(rules.vcpus && f.vcpus !== initial.vcpus ? { vcpus } : {}),
        ...(rules.firmware && f.firmware !== initial.firmware ? { firmware: f.firmware } : {}),
        ...(stopped && f.accel !== initial.accel ? { accel: f.accel } : {}),
        ...(f.description !== initial.description ? { description: f.description } : {}),
        ...(f.group !== initial.group ? { group: f.group.trim() || null } : {}),
        ...(f.labels !== initial.labels ? { labels: parseLabels(f.labels) } : {}),
        ...(f.boot !== initial.boot ? { bootOrder: f.boot.split(',') as ('hd' | 'cdrom' | 'network')[] } : {}),
        ...(f.autostart !== initial.autostart ? { autostart: f.autostart } : {}),
      })
      .then(
        (d) => {
          onSaved(d);
          flashSaved();
        },
        (e: unknown) => onError(HangarError.from(e)),
      );
  };
  return (
    <PanelForm onSubmit={submit}>
      {!stopped && <p className="muted span-all">{t('vm.edit.stopFirst')}</p>}
      <Field label={t('vm.create.name')}>
        <input data-testid="vm-edit-name" disabled={!rules.name} value={f.name} onChange={(e) => set('name', e.target.value)} />
      </Field>
      <Field label={rules.liveMemoryMaxMiB === null ? t('vm.edit.memory') : t('vm.edit.memoryLive', { max: rules.liveMemoryMaxMiB })}>
        <input data-testid="vm-edit-memory" inputMode="numeric" value={f.memoryMiB} onChange={(e) => set('memoryMiB', e.target.value.replace(/\D/g, ''))} />
      </Field>
      <Field label={t('vm.edit.vcpus')}>
        <input data-testid="vm-edit-vcpus" inputMode="numeric" disabled={!rules.vcpus} value={f.vcpus} onChange={(e) => set('vcpus', e.target.value.replace(/\D/g, ''))} />
      </Field>
      <Field label={t('vm.firmware')}>
        <select data-testid="vm-edit-firmware" disabled={!rules.firmware} value={f.firmware} onChange={(e) => set('firmware', e.target.value as 'bios' | 'efi')}>
          <option value="bios">BIOS</option>
          <option value="efi">UEFI</option>
        </select>
      </Field>
      <Field label={t('vm.accel')}>
        <select data-testid="vm-edit-accel" disabled={!stopped} value={f.accel} onChange={(e) => set('accel', e.target.value as 'kvm' | 'tcg')}>
          <option value="kvm">{t('vm.accel.kvm')}</option>
          <option value="tcg">{t('vm.accel.tcg')}</option>
        </select>
        {f.accel === 'kvm' && host?.facts && !kvmUsable(host.facts) && (
          <span className="warn small" data-testid="vm-edit-kvm-warning">
            {t('vm.accel.kvmUnusable', { host: host.name })}
          </span>
        )}
      </Field>
      <Field label={t('vm.edit.boot')}>
        <select data-testid="vm-edit-boot" value={f.boot} onChange={(e) => set('boot', e.target.value)}>
          <BootOrderOptions current={details.bootOrder} />
        </select>
      </Field>
      <Field label={t('vm.edit.group')}>
        <input data-testid="vm-edit-group" value={f.group} onChange={(e) => set('group', e.target.value)} />
      </Field>
      <label className="check">
        <input type="checkbox" data-testid="vm-edit-autostart" checked={f.autostart} onChange={(e) => set('autostart', e.target.checked)} />
        {t('vm.edit.autostart')}
      </label>
      <Field label={t('vm.description')} wide>
        <input data-testid="vm-edit-description" value={f.description} onChange={(e) => set('description', e.target.value)} />
      </Field>
      <Field label={t('vm.edit.labels')} wide>
        <textarea data-testid="vm-edit-labels" rows={3} value={f.labels} placeholder="env=prod" onChange={(e) => set('labels', e.target.value)} />
      </Field>
      <SubmitRow label={t('common.save')} testId="vm-edit-save">
        <SavedNote shown={saved} text={t('vm.edit.saved')} testId="vm-edit-saved" />
      </SubmitRow>
    </PanelForm>
  );
}
