import { useState } from 'react';
import { POOL_TYPES, type CreatePoolParams } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { createPool } from '../../api/storage';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { fieldMessages } from '../../components/field-messages';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import type { MessageKey } from '../../i18n/en';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';

type PoolType = (typeof POOL_TYPES)[number];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
const ABS = /^\/\S*$/;

/** What is wrong with the form before it is sent, by field (the engine checks again). */
function localErrors(f: Record<string, string>, type: PoolType): Record<string, MessageKey> {
  const e: Record<string, MessageKey> = {};
  const need = (k: string) => {
    if (!f[k]?.trim()) e[k] = 'storage.err.required';
  };
  need('name');
  if (f.name && !NAME.test(f.name)) e.name = 'storage.err.name';
  if (type === 'dir' || type === 'netfs') {
    need('targetPath');
    if (f.targetPath && !ABS.test(f.targetPath)) e.targetPath = 'storage.err.absPath';
  }
  if (type === 'logical') {
    need('vgName');
    if (f.vgName && !NAME.test(f.vgName)) e.vgName = 'storage.err.name';
    if (devices(f.devices).some((d) => !ABS.test(d))) e.devices = 'storage.err.absPath';
  }
  if (type === 'netfs') {
    need('sourceHost');
    need('sourcePath');
    if (f.sourcePath && !ABS.test(f.sourcePath)) e.sourcePath = 'storage.err.absPath';
  }
  if (type === 'iscsi') {
    need('sourceHost');
    need('iqn');
  }
  return e;
}

const devices = (text = '') => text.split('\n').map((d) => d.trim()).filter(Boolean);

function params(hostId: string, type: PoolType, f: Record<string, string>, autostart: boolean): CreatePoolParams {
  const base = { hostId, name: f.name!.trim(), autostart };
  switch (type) {
    case 'dir':
      return { ...base, type, targetPath: f.targetPath!.trim() };
    case 'logical':
      return { ...base, type, vgName: f.vgName!.trim(), devices: devices(f.devices) };
    case 'netfs':
      return { ...base, type, sourceHost: f.sourceHost!.trim(), sourcePath: f.sourcePath!.trim(), targetPath: f.targetPath!.trim() };
    case 'iscsi':
      return { ...base, type, sourceHost: f.sourceHost!.trim(), iqn: f.iqn!.trim() };
  }
}

/** A new dir, LVM, NFS or iSCSI pool; errors stand next to their field, in the user's language. */
export function CreatePoolForm({ hostId, onClose }: { hostId: string; onClose: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [type, setType] = useState<PoolType>('dir');
  const [f, setF] = useState<Record<string, string>>({ name: '', targetPath: '', vgName: '', devices: '', sourceHost: '', sourcePath: '', iqn: '' });
  const [autostart, setAutostart] = useState(true);
  const [shown, setShown] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const [running, setRunning] = useState(false);
  const local = localErrors(f, type);
  const remote = fieldMessages(t, lang, error);
  const errorOf = (k: string) => (shown && local[k] ? t(local[k]) : remote[k]);
  const input = (k: string, label: MessageKey, placeholder?: string) => (
    <Field label={t(label)}>
      <input data-testid={`pool-field-${k}`} value={f[k]} placeholder={placeholder} aria-invalid={errorOf(k) ? true : undefined} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
      {errorOf(k) && (
        <span className="error small" data-testid={`pool-error-${k}`}>
          {errorOf(k)}
        </span>
      )}
    </Field>
  );
  const fieldsWithMessages = new Set(['name', 'targetPath', 'vgName', 'devices', 'sourceHost', 'sourcePath', 'iqn']);
  const unplaced = error && (error.code !== 'INVALID_PARAMS' || Object.keys(remote).some((k) => !fieldsWithMessages.has(k)));
  return (
    <PanelForm
      title={t('storage.create.title')}
      className="panel form-grid top-fields"
      testId="pool-create-form"
      onSubmit={() => {
        setShown(true);
        setError(null);
        if (Object.keys(local).length) return;
        setRunning(true);
        createPool(params(hostId, type, f, autostart))
          .then(onClose, (e: unknown) => setError(HangarError.from(e)))
          .finally(() => setRunning(false));
      }}
    >
      <p className="muted span-all">{t('storage.create.labNote')}</p>
      {input('name', 'storage.create.name')}
      <Field label={t('storage.create.type')}>
        <select data-testid="pool-field-type" value={type} onChange={(e) => setType(e.target.value as PoolType)}>
          {POOL_TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`storage.type.${x}`)}
            </option>
          ))}
        </select>
      </Field>
      {type === 'dir' && input('targetPath', 'storage.create.targetPath', `/var/lib/libvirt/${f.name || 'pool'}`)}
      {type === 'logical' && (
        <>
          {input('vgName', 'storage.create.vgName')}
          <Field label={t('storage.create.devices')} wide>
            <textarea data-testid="pool-field-devices" rows={2} value={f.devices} placeholder="/dev/sdb" onChange={(e) => setF({ ...f, devices: e.target.value })} />
            {errorOf('devices') && <span className="error small">{errorOf('devices')}</span>}
          </Field>
        </>
      )}
      {type === 'netfs' && (
        <>
          {input('sourceHost', 'storage.create.sourceHost', 'nfs.example.com')}
          {input('sourcePath', 'storage.create.sourcePath', '/export/vms')}
          {input('targetPath', 'storage.create.mountPoint', `/mnt/${f.name || 'pool'}`)}
        </>
      )}
      {type === 'iscsi' && (
        <>
          {input('sourceHost', 'storage.create.sourceHost', '192.168.1.20')}
          {input('iqn', 'storage.create.iqn', 'iqn.2024-01.com.example:target1')}
        </>
      )}
      <label className="check span-all">
        <input type="checkbox" data-testid="pool-field-autostart" checked={autostart} onChange={(e) => setAutostart(e.target.checked)} /> {t('storage.create.autostart')}
      </label>
      {unplaced && <ErrorBanner error={error} className="span-all" testId="pool-create-error" />}
      <SubmitRow label={t('storage.create.submit')} testId="pool-create-submit" disabled={running}>
        <button type="button" className="btn" onClick={onClose}>
          {t('storage.create.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
