import { useState } from 'react';
import type { LibraryKind, OsEntry } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { beginLibraryUpload } from '../../api/library';
import { ItemFields, blankItemFields, itemParams, type ItemFieldValues } from './ItemFields';

/**
 * Upload a qcow2/raw image or an ISO from this computer into a host's pool: the item is listed at
 * once and its row shows Uploading n% → Verifying → Ready; the browser streams the file to the
 * ticket's URL (upload's endpoint), never reading it whole.
 */
export function UploadForm({ os, onDone }: { os: OsEntry[]; onDone: () => void }) {
  const t = useT();
  const hosts = Object.values(useHosts((s) => s.byId)).filter((h) => h.state === 'connected');
  const [kind, setKind] = useState<LibraryKind>('template');
  const [bootable, setBootable] = useState(true);
  const [hostId, setHostId] = useState('');
  const [pool, setPool] = useState('default');
  const [file, setFile] = useState<File | null>(null);
  const [f, setF] = useState<ItemFieldValues>(blankItemFields);
  const [error, setError] = useState<HangarError | null>(null);
  const [busy, setBusy] = useState(false);
  const host = hosts.find((h) => h.id === hostId) ?? hosts[0];
  const pools = host?.facts?.pools.filter((p) => p.active).map((p) => p.name) ?? [];
  const chosenPool = pools.includes(pool) ? pool : (pools[0] ?? '');

  async function upload(): Promise<void> {
    if (!file || !host) return;
    const started = await beginLibraryUpload({ kind, ...itemParams(f), bootable: kind === 'iso' && bootable, hostId: host.id, pool: chosenPool, fileName: file.name, bytes: file.size });
    if (!started.ticket) return;
    onDone();
    // The body streams from the file; the row follows the engine's progress.
    await fetch(started.ticket.url, { method: 'PUT', body: file, headers: { 'content-type': 'application/octet-stream' } });
  }

  return (
    <PanelForm
      title={t('templates.form.uploadTitle')}
      testId="library-upload-form"
      onSubmit={() => {
        setBusy(true);
        setError(null);
        upload()
          .catch((err: unknown) => setError(HangarError.from(err)))
          .finally(() => setBusy(false));
      }}
    >
      <Field label={t('templates.form.file')} wide>
        <input
          type="file"
          data-testid="library-upload-file"
          accept=".qcow2,.img,.raw,.iso"
          onChange={(e) => {
            const picked = e.target.files?.[0] ?? null;
            setFile(picked);
            if (picked) {
              const iso = /\.iso$/i.test(picked.name);
              setKind(iso ? 'iso' : 'template');
              if (!f.name.trim()) setF((x) => ({ ...x, name: picked.name.replace(/\.(qcow2|img|raw|iso)$/i, '') }));
            }
          }}
        />
      </Field>
      <Field label={t('templates.form.kind')}>
        <select data-testid="library-upload-kind" value={kind} onChange={(e) => setKind(e.target.value as LibraryKind)}>
          <option value="template">{t('templates.kind.template')}</option>
          <option value="iso">{t('templates.kind.iso')}</option>
        </select>
      </Field>
      <Field label={t('templates.form.host')}>
        <select data-testid="library-upload-host" value={host?.id ?? ''} onChange={(e) => setHostId(e.target.value)}>
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('templates.copyPool')}>
        <select data-testid="library-upload-pool" value={chosenPool} onChange={(e) => setPool(e.target.value)}>
          {pools.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </Field>
      {kind === 'iso' && (
        <label className="check">
          <input type="checkbox" data-testid="library-upload-bootable" checked={bootable} onChange={(e) => setBootable(e.target.checked)} />
          {t('templates.form.bootable')}
        </label>
      )}
      <ItemFields f={f} set={(n) => setF((x) => ({ ...x, ...n }))} os={os} />
      <ErrorBanner error={error} testId="library-upload-error" className="span-all" />
      <SubmitRow label={t('templates.form.uploadSubmit')} testId="library-upload-submit" disabled={busy || !file || !host || !chosenPool || !f.name.trim()}>
        <button type="button" className="btn" onClick={onDone}>
          {t('templates.form.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
