import { useEffect, useState } from 'react';
import type { LibraryCopy, LibraryItem, OsEntry } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useLibrary } from '../../stores/library-store';
import { ConfirmButton } from '../storage/ConfirmButton';
import { copyToHost, deleteLibraryCopy, deleteLibraryItem, osCatalogue } from '../../api/library';
import { RegisterForm } from './RegisterForm';
import { UploadForm } from './UploadForm';
import { CopyChip } from './CopyChip';

/** The OS catalogue, asked once per page. */
export function useOsCatalogue(): OsEntry[] {
  const [entries, setEntries] = useState<OsEntry[]>([]);
  useEffect(() => {
    void osCatalogue().then((r) => setEntries(r.entries), () => setEntries([]));
  }, []);
  return entries;
}

/**
 * The library: each template and ISO with its copies per host (Uploading n%, Verifying, Ready,
 * Error), live from the `library` topic; upload, register from a stopped VM, copy to another host,
 * delete one host's copy or the whole item.
 */
export function TemplatesPage() {
  const t = useT();
  const items = Object.values(useLibrary((s) => s.byId)).sort((a, b) => a.name.localeCompare(b.name));
  const loaded = useLibrary((s) => s.loaded);
  const os = useOsCatalogue();
  const [open, setOpen] = useState<'register' | 'upload' | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const run = (p: Promise<unknown>) => {
    setError(null);
    p.catch((err: unknown) => setError(HangarError.from(err)));
  };
  const osLabel = (id: string) => (id === 'other' ? t('templates.os.other') : id === 'linux' ? t('templates.os.linux') : (os.find((o) => o.id === id)?.label ?? id));

  return (
    <section data-testid="templates-page">
      <h1>{t('templates.title')}</h1>
      <div className="toolbar">
        <button type="button" className="btn btn-primary" data-testid="library-upload-open" onClick={() => setOpen(open === 'upload' ? null : 'upload')}>
          {t('templates.upload')}
        </button>
        <button type="button" className="btn" data-testid="library-register-open" onClick={() => setOpen(open === 'register' ? null : 'register')}>
          {t('templates.register')}
        </button>
      </div>
      {open === 'register' && <RegisterForm os={os} onDone={() => setOpen(null)} />}
      {open === 'upload' && <UploadForm os={os} onDone={() => setOpen(null)} />}
      <ErrorBanner error={error} testId="library-error" />
      {loaded && items.length === 0 ? (
        <EmptyState title={t('templates.empty')} help={t('templates.emptyHint')} />
      ) : (
        <table className="table" data-testid="library-items">
          <thead>
            <tr>
              <th>{t('templates.col.name')}</th>
              <th>{t('templates.col.kind')}</th>
              <th>{t('templates.col.os')}</th>
              <th>{t('templates.col.minimum')}</th>
              <th>{t('templates.col.hosts')}</th>
              <th>{t('templates.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((it) => (
              <ItemRow key={it.id} item={it} osLabel={osLabel(it.osId)} run={run} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ItemRow({ item, osLabel, run }: { item: LibraryItem; osLabel: string; run: (p: Promise<unknown>) => void }) {
  const t = useT();
  const hosts = Object.values(useHosts((s) => s.byId));
  const name = (id: string) => hosts.find((h) => h.id === id)?.name ?? id;
  const targets = hosts.filter((h) => h.state === 'connected' && !item.readyOn.includes(h.id) && !item.copies.some((c) => c.hostId === h.id));
  const [to, setTo] = useState('');
  const [pool, setPool] = useState('default');
  const target = targets.find((h) => h.id === to) ?? targets[0];
  const pools = target?.facts?.pools.filter((p) => p.active).map((p) => p.name) ?? [];
  const busy = item.copies.some((c) => c.state === 'uploading' || c.state === 'verifying');
  return (
    <tr data-testid="library-item" data-name={item.name}>
      <td>
        <div className="strong" translate="no">
          {item.name}
        </div>
        {item.description && <div className="muted small user-text">{item.description}</div>}
      </td>
      <td className="nowrap">
        {t(`templates.kind.${item.kind}`)}
        {item.bootable && <div className="muted small">{t('templates.bootable')}</div>}
        <div className="muted small mono">{item.format}</div>
      </td>
      <td>{osLabel}</td>
      <td className="small nowrap">{t('templates.minimum', { vcpus: item.minVcpus, memory: item.minMemoryMiB, disk: item.minDiskGiB })}</td>
      <td data-testid="library-copies">
        {item.copies.length === 0 && <span className="muted">{t('templates.noCopies')}</span>}
        {item.copies.map((c: LibraryCopy) => (
          <div key={`${c.hostId}/${c.pool}/${c.volume}`} className="inline">
            <CopyChip copy={c} hostName={name(c.hostId)} />
            {c.shared && c.reach.length > 0 && <span className="muted small"> {t('templates.shared', { hosts: c.reach.map(name).join(', ') })}</span>}
            {(c.state === 'ready' || c.state === 'error') && item.copies.length > 1 && (
              <ConfirmButton
                label={t('templates.deleteCopy')}
                question={t('templates.deleteCopy.ask', { host: name(c.hostId) })}
                testId="library-delete-copy"
                onConfirm={() => run(deleteLibraryCopy({ itemId: item.id, hostId: c.hostId, pool: c.pool, volume: c.volume }))}
              />
            )}
          </div>
        ))}
      </td>
      <td>
        {item.readyOn.length > 0 && targets.length > 0 && (
          <div className="inline-form" data-testid="library-copy-form">
            <select aria-label={t('templates.copyTo')} data-testid="library-copy-host" value={target?.id ?? ''} onChange={(e) => setTo(e.target.value)}>
              {targets.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </select>
            <select aria-label={t('templates.copyPool')} data-testid="library-copy-pool" value={pools.includes(pool) ? pool : (pools[0] ?? '')} onChange={(e) => setPool(e.target.value)}>
              {pools.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="btn btn-small"
              data-testid="library-copy"
              disabled={!target || pools.length === 0}
              onClick={() => target && run(copyToHost({ itemId: item.id, toHostId: target.id, pool: pools.includes(pool) ? pool : pools[0]! }))}
            >
              {t('templates.copyToHost')}
            </button>
          </div>
        )}
        <ConfirmButton label={t('templates.delete')} question={t('templates.delete.ask', { name: item.name })} testId="library-delete" disabled={busy} onConfirm={() => run(deleteLibraryItem(item.id))} />
      </td>
    </tr>
  );
}
