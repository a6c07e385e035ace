import { useState } from 'react';
import { POOL_TYPES, type Pool, type PoolAction } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { runPoolAction } from '../../api/storage';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatBytes } from '../../components/format';
import { TableHead } from '../../components/TableHead';
import { UsageBar } from '../../components/UsageBar';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { usePools } from '../../stores/pools-store';
import { ConfirmButton } from './ConfirmButton';
import { CreatePoolForm } from './CreatePoolForm';
import { VolumesPanel } from './VolumesPanel';

/** The host's Storage tab: pools with capacity bars and their actions, a new pool, a pool's volumes. */
export function HostStorage({ hostId }: { hostId: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const loaded = usePools((s) => s.loaded);
  const all = usePools((s) => s.byId);
  const pools = Object.values(all)
    .filter((p) => p.hostId === hostId)
    .sort((a, b) => a.name.localeCompare(b.name));
  const [error, setError] = useState<HangarError | null>(null);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const act = (p: Pool, action: PoolAction) => {
    setError(null);
    setBusy(`${p.name}:${action}`);
    runPoolAction(hostId, p.name, action)
      .then(
        () => undefined,
        (e: unknown) => setError(HangarError.from(e)),
      )
      .finally(() => setBusy(null));
  };
  const rootPools = pools.filter((p) => p.onRootFs);
  const openPool = open ? pools.find((p) => p.name === open) : undefined;
  return (
    <div data-testid="host-storage">
      <div className="toolbar">
        <h2>{t('storage.pools')}</h2>
        {!creating && (
          <button type="button" className="btn btn-primary" data-testid="pool-create-open" onClick={() => setCreating(true)}>
            {t('storage.create.open')}
          </button>
        )}
      </div>
      {creating && <CreatePoolForm hostId={hostId} onClose={() => setCreating(false)} />}
      <ErrorBanner error={error} testId="pool-error" />
      {rootPools.length > 0 && (
        <p className="banner warn" data-testid="pool-rootfs-warning">
          <strong translate="no">{rootPools.map((p) => p.name).join(', ')}</strong>: {t('storage.rootFs')}
        </p>
      )}
      <table className="table" data-testid="host-pools">
        <TableHead cols={[t('storage.col.name'), t('storage.col.state'), t('storage.col.usage'), t('storage.col.target'), null]} />
        <tbody>
          {pools.length === 0 && (
            <tr>
              <td colSpan={5} className="muted" data-testid="pools-none">
                {loaded ? t('storage.none') : t('storage.loading')}
              </td>
            </tr>
          )}
          {pools.map((p) => {
            const running = p.state === 'running';
            const fraction = p.capacity > 0 ? p.allocation / p.capacity : 0;
            return (
              <tr key={p.id} data-testid="pool-row" data-pool={p.name} data-pool-name={p.name} data-state={p.state}>
                <td>
                  <div className="strong" translate="no">
                    {p.name}
                  </div>
                  <div className="muted small">{isKnownType(p.type) ? t(`storage.type.${p.type}`) : p.type}</div>
                </td>
                <td className="nowrap">
                  <span className={`badge ${running ? 'vm-running' : 'vm-stopped'}`} data-testid="pool-state">
                    {t(`storage.state.${p.state}`)}
                  </span>
                  <div className="muted small" data-testid="pool-autostart-state">
                    {t('storage.col.autostart')}: {p.autostart ? t('storage.yes') : t('storage.no')}
                  </div>
                </td>
                <td style={{ minWidth: 180 }}>
                  {running ? (
                    <UsageBar fraction={fraction} warn={fraction > 0.9} testId="pool-usage" label={t('storage.usage', { used: formatBytes(p.allocation, lang), capacity: formatBytes(p.capacity, lang), free: formatBytes(p.available, lang) })} />
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="mono small">
                  {p.targetPath ?? '—'}
                  {p.source && <div className="muted">{p.source}</div>}
                  {p.onRootFs && (
                    <div className="warn-text" data-testid="pool-on-root" title={t('storage.rootFs')}>
                      ⚠ {t('storage.rootFsShort')}
                    </div>
                  )}
                </td>
                <td>
                  <div className="inline-form">
                  {running ? (
                    <button type="button" className="btn btn-small" data-testid="pool-stop" disabled={busy !== null} onClick={() => act(p, 'stop')}>
                      {t('storage.action.stop')}
                    </button>
                  ) : (
                    <button type="button" className="btn btn-small" data-testid="pool-start" disabled={busy !== null} onClick={() => act(p, 'start')}>
                      {t('storage.action.start')}
                    </button>
                  )}
                  <button type="button" className="btn btn-small" data-testid="pool-refresh" disabled={!running || busy !== null} onClick={() => act(p, 'refresh')}>
                    {t('storage.action.refresh')}
                  </button>
                  <button type="button" className="btn btn-small" data-testid="pool-autostart" disabled={busy !== null} onClick={() => act(p, p.autostart ? 'autostartOff' : 'autostartOn')}>
                    {t(p.autostart ? 'storage.action.autostartOff' : 'storage.action.autostartOn')}
                  </button>
                  <button type="button" className="btn btn-small" data-testid="pool-volumes" disabled={!running} onClick={() => setOpen(open === p.name ? null : p.name)}>
                    {t('storage.action.volumes')}
                  </button>
                  <ConfirmButton label={t('storage.action.delete')} question={t('storage.confirmDelete', { name: p.name })} testId="pool-delete" disabled={busy !== null} onConfirm={() => act(p, 'delete')} />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {openPool && openPool.state === 'running' && <VolumesPanel hostId={hostId} pool={openPool} onClose={() => setOpen(null)} />}
    </div>
  );
}

const isKnownType = (type: string): type is (typeof POOL_TYPES)[number] => (POOL_TYPES as readonly string[]).includes(type);
