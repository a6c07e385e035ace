import { useState } from 'react';
import type { OsEntry, UploadFormat } from '../../../../engine/contract';
import { Field } from '../../components/Field';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { beginLibraryUpload } from '../../api/library';
import { UploadControl } from '../storage/UploadControl';
import { ItemFields, blankItemFields, itemParams, type ItemFieldValues } from './ItemFields';

/**
 * Upload a qcow2/raw image or an ISO from this computer into a host's pool, through upload's
 * control (bytes, rate, time left, cancel, resume): the item is listed at once and its row shows
 * Uploading n% → Verifying → Ready. An ISO file makes an ISO item, anything else a template.
 */
export function UploadForm({ os, onDone }: { os: OsEntry[]; onDone: () => void }) {
  const t = useT();
  const hosts = Object.values(useHosts((s) => s.byId)).filter((h) => h.state === 'connected');
  const [bootable, setBootable] = useState(true);
  // Known once the file's bytes are read: only an ISO has a Bootable box.
  const [format, setFormat] = useState<UploadFormat | null>(null);
  const [hostId, setHostId] = useState('');
  const [pool, setPool] = useState('default');
  const [f, setF] = useState<ItemFieldValues>(blankItemFields);
  const host = hosts.find((h) => h.id === hostId) ?? hosts[0];
  const pools = host?.facts?.pools.filter((p) => p.active).map((p) => p.name) ?? [];
  const chosenPool = pools.includes(pool) ? pool : (pools[0] ?? '');

  return (
    <div className="panel" data-testid="library-upload-form">
      <h2>{t('templates.form.uploadTitle')}</h2>
      <div className="form-grid">
        <Field label={t('templates.form.host')}>
          <select data-testid="library-upload-host" value={host?.id ?? ''} onChange={(e) => (setHostId(e.target.value), setFormat(null))}>
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('templates.copyPool')}>
          <select data-testid="library-upload-pool" value={chosenPool} onChange={(e) => (setPool(e.target.value), setFormat(null))}>
            {pools.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        {format === 'iso' && (
          <label className="check">
            <input type="checkbox" data-testid="library-upload-bootable" checked={bootable} onChange={(e) => setBootable(e.target.checked)} />
            {t('templates.form.bootable')}
          </label>
        )}
        <ItemFields f={f} set={(n) => setF((x) => ({ ...x, ...n }))} os={os} />
      </div>
      {host && chosenPool && (
        <UploadControl
          key={`${host.id}/${chosenPool}`}
          hostId={host.id}
          pool={chosenPool}
          testId="library-upload-control"
          onFormat={setFormat}
          begin={async (p) => {
            const kind = p.format === 'iso' ? 'iso' : 'template';
            const name = f.name.trim() || p.name.replace(/\.(qcow2|img|raw|iso)$/i, '');
            const r = await beginLibraryUpload({ kind, ...itemParams({ ...f, name }), bootable: kind === 'iso' && bootable, hostId: p.hostId, pool: p.pool, fileName: p.name, bytes: p.size, format: p.format });
            return r.ticket!;
          }}
          onClose={onDone}
        />
      )}
    </div>
  );
}
