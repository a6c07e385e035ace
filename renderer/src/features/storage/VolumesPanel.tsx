import { useEffect, useState } from 'react';
import type { Pool, Volume } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { createVolume, deleteVolume, growVolume, listVolumesUsage, wipeVolume } from '../../api/storage';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { fieldMessages } from '../../components/field-messages';
import { formatBytes } from '../../components/format';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { TableHead } from '../../components/TableHead';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { ConfirmButton } from './ConfirmButton';
import { DownloadButton } from './DownloadButton';
import { UploadControl } from './UploadControl';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** A pool's volumes with who uses them (none = orphaned); create, grow (never shrink), wipe, delete. */
export function VolumesPanel({ hostId, pool, onClose }: { hostId: string; pool: Pool; onClose: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [volumes, setVolumes] = useState<Volume[] | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const [sizes, setSizes] = useState<Record<string, string>>({});
  const [growError, setGrowError] = useState<{ volume: string; error: HangarError } | null>(null);
  const [form, setForm] = useState({ name: '', sizeGiB: '1', format: 'qcow2' as 'qcow2' | 'raw' });
  const [createError, setCreateError] = useState<HangarError | null>(null);
  const [shown, setShown] = useState(false);
  const [uploading, setUploading] = useState(false);
  const load = () => listVolumesUsage(hostId, pool.name).then((r) => setVolumes(r.volumes), (e: unknown) => setError(HangarError.from(e)));
  // Read on opening and after each change made here; not on the pool's own updates: listing
  // refreshes the pool, whose refresh event would then read the list again, without end.
  useEffect(() => {
    void load();
  }, [hostId, pool.name]);
  const change = (p: Promise<unknown>) => {
    setError(null);
    return p.then(load, (e: unknown) => setError(HangarError.from(e)));
  };
  const fileBacked = pool.type === 'dir' || pool.type === 'netfs' || pool.type === 'fs';
  const localName = !form.name.trim() ? t('storage.err.required') : !NAME.test(form.name) ? t('storage.err.name') : null;
  const localSize = !(Number(form.sizeGiB) > 0) ? t('storage.err.size') : null;
  const remote = fieldMessages(t, lang, createError);
  return (
    <section className="panel" data-testid="volumes-panel" data-pool={pool.name}>
      <div className="toolbar">
        <h2>{t('vol.title', { pool: pool.name })}</h2>
        <button type="button" className="btn btn-small" data-testid="volume-upload-open" onClick={() => setUploading(true)} disabled={uploading}>
          {t('transfer.upload.open')}
        </button>
        <button type="button" className="btn btn-small" onClick={onClose}>
          {t('vol.close')}
        </button>
      </div>
      <ErrorBanner error={error} testId="volume-error" />
      {uploading && <UploadControl hostId={hostId} pool={pool.name} onDone={() => void load()} onClose={() => setUploading(false)} />}
      <table className="table" data-testid="volumes">
        <TableHead cols={[t('vol.col.name'), t('vol.col.format'), t('vol.col.size'), t('vol.col.allocation'), t('vol.col.usedBy'), null]} />
        <tbody>
          {(volumes ?? []).length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                {volumes ? t('vol.none') : t('vol.loading')}
              </td>
            </tr>
          )}
          {(volumes ?? []).map((v) => {
            const orphan = (v.usedBy ?? []).length === 0 && (v.backingOf ?? []).length === 0;
            const ge = growError?.volume === v.name ? fieldMessages(t, lang, growError.error)['sizeGiB'] : undefined;
            return (
              <tr key={v.name} data-testid="volume-row" data-volume={v.name} data-orphan={orphan ? 'true' : 'false'}>
                <td className="mono">{v.name}</td>
                <td>{v.format ?? '—'}</td>
                <td>{formatBytes(v.capacity, lang)}</td>
                <td>{formatBytes(v.allocation, lang)}</td>
                <td>
                  {(v.usedBy ?? []).join(', ')}
                  {(v.backingOf ?? []).length > 0 && <div className="muted small">{t('vol.backingOf', { names: v.backingOf!.join(', ') })}</div>}
                  {orphan && (
                    <span className="warn-text small" data-testid="volume-orphan">
                      {t('vol.orphan')}
                    </span>
                  )}
                </td>
                <td>
                  <div className="inline-form">
                  <input className="small-input" aria-label={t('vol.growTo')} placeholder="GiB" data-testid="volume-grow-size" inputMode="decimal" value={sizes[v.name] ?? ''} onChange={(e) => setSizes({ ...sizes, [v.name]: e.target.value.replace(/[^\d.]/g, '') })} />
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid="volume-grow"
                    disabled={!sizes[v.name]}
                    onClick={() => {
                      setGrowError(null);
                      growVolume(hostId, pool.name, v.name, Number(sizes[v.name])).then(load, (e: unknown) => setGrowError({ volume: v.name, error: HangarError.from(e) }));
                    }}
                  >
                    {t('vol.grow')}
                  </button>
                  <ConfirmButton label={t('vol.wipe')} question={t('vol.confirmWipe', { name: v.name })} testId="volume-wipe" onConfirm={() => void change(wipeVolume(hostId, pool.name, v.name))} />
                  <ConfirmButton label={t('vol.delete')} question={t('vol.confirmDelete', { name: v.name })} testId="volume-delete" onConfirm={() => void change(deleteVolume(hostId, pool.name, v.name))} />
                  </div>
                  <DownloadButton hostId={hostId} pool={pool.name} volume={v.name} />
                  {ge && (
                    <div className="error small" data-testid="volume-grow-error">
                      {ge}
                    </div>
                  )}
                  {growError?.volume === v.name && !ge && <ErrorBanner error={growError.error} />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <PanelForm
        title={t('vol.create.title')}
        className="form-grid top-fields"
        testId="volume-create-form"
        onSubmit={() => {
          setShown(true);
          setCreateError(null);
          if (localName || localSize) return;
          createVolume({ hostId, pool: pool.name, name: form.name.trim(), sizeGiB: Number(form.sizeGiB), format: fileBacked ? form.format : 'raw' }).then(
            () => {
              setShown(false);
              setForm({ ...form, name: '' });
              void load();
            },
            (e: unknown) => setCreateError(HangarError.from(e)),
          );
        }}
      >
        <Field label={t('vol.create.name')}>
          <input data-testid="volume-field-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          {((shown && localName) || remote['name']) && <span className="error small">{(shown && localName) || remote['name']}</span>}
        </Field>
        <Field label={t('vol.create.size')}>
          <input data-testid="volume-field-size" inputMode="decimal" value={form.sizeGiB} onChange={(e) => setForm({ ...form, sizeGiB: e.target.value.replace(/[^\d.]/g, '') })} />
          {((shown && localSize) || remote['sizeGiB']) && <span className="error small">{(shown && localSize) || remote['sizeGiB']}</span>}
        </Field>
        {fileBacked && (
          <Field label={t('vol.create.format')}>
            <select data-testid="volume-field-format" value={form.format} onChange={(e) => setForm({ ...form, format: e.target.value as 'qcow2' | 'raw' })}>
              <option value="qcow2">qcow2</option>
              <option value="raw">raw</option>
            </select>
          </Field>
        )}
        {createError && createError.code !== 'INVALID_PARAMS' && <ErrorBanner error={createError} className="span-all" />}
        <SubmitRow label={t('vol.create.submit')} testId="volume-create-submit" />
      </PanelForm>
    </section>
  );
}
