import { useState } from 'react';
import type { LeasePool, PoolCapacity } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { deleteLeasePool } from '../../api/pools';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TableHead } from '../../components/TableHead';
import { useT } from '../../i18n/use-t';
import { HistoryCharts } from './HistoryCharts';
import { LeaseForm } from './LeaseForm';
import { LeasesTable } from './LeasesTable';
import { PoolForm } from './PoolForm';
import { useNow, usePoolsData } from './use-pools-data';

type Panel = { kind: 'create' } | { kind: 'edit'; pool: LeasePool } | { kind: 'lease'; pool: LeasePool } | null;

/** Disposable VM pools (seed 004): pools with their capacity, the leases alive now, and the history. */
export function PoolsPage() {
  const t = useT();
  const data = usePoolsData();
  const now = useNow();
  const [panel, setPanel] = useState<Panel>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const done = () => {
    setPanel(null);
    data.refresh();
  };
  const inUse = (os: string) => data.leases.filter((l) => l.os === os).length;
  const capText = (os: string, c: PoolCapacity | HangarError | undefined) => {
    if (!c) return '…';
    if (c instanceof HangarError) return t('poolsPage.capacity.unknown');
    const used = inUse(os);
    const pct = used + c.available > 0 ? Math.round((100 * used) / (used + c.available)) : 0;
    return t('poolsPage.capacity.text', { available: c.available, inFlight: c.inFlight, spares: c.sparesReady, pct });
  };
  return (
    <section data-testid="pools-page">
      <div className="page-head">
        <h1>{t('poolsPage.title')}</h1>
        <button type="button" className="btn btn-primary" data-testid="pool-new" onClick={() => setPanel({ kind: 'create' })}>
          {t('poolsPage.new')}
        </button>
      </div>
      <p className="muted">{t('poolsPage.intro')}</p>
      <ErrorBanner error={data.error ?? error} />
      {panel?.kind === 'create' && <PoolForm pool={null} onDone={done} />}
      {panel?.kind === 'edit' && <PoolForm key={panel.pool.os} pool={panel.pool} onDone={done} />}
      {panel?.kind === 'lease' && <LeaseForm key={panel.pool.os} pool={panel.pool} onDone={done} />}
      {data.loaded && !data.pools.length ? (
        <EmptyState title={t('poolsPage.none')} help={t('poolsPage.noneHelp')} />
      ) : (
        <table className="table" data-testid="pools-table">
          <TableHead cols={[t('poolsPage.col.os'), t('poolsPage.col.network'), t('poolsPage.col.hosts'), t('poolsPage.col.size'), t('poolsPage.col.expiry'), t('poolsPage.col.spares'), t('poolsPage.col.capacity'), null]} />
          <tbody>
            {data.pools.map((p) => (
              <tr key={p.os} data-testid={`pool-row-${p.os}`}>
                <td>
                  <strong translate="no">{p.os}</strong>
                  {p.description && <div className="muted small user-text">{p.description}</div>}
                </td>
                <td translate="no">{p.network}</td>
                <td>{t('poolsPage.hostsCount', { n: p.baseImages.length })}</td>
                <td>{t('poolsPage.size', { cpus: p.cpus, mem: p.memoryMiB })}</td>
                <td>{t('poolsPage.expiry', { def: p.defaultExpiryMinutes, max: p.maxExpiryMinutes })}</td>
                <td>{p.warmSpares}</td>
                <td data-testid={`pool-capacity-${p.os}`}>{capText(p.os, data.capacity[p.os])}</td>
                <td className="row-actions">
                  <button type="button" className="btn btn-small btn-primary" data-testid={`pool-lease-${p.os}`} onClick={() => setPanel({ kind: 'lease', pool: p })}>
                    {t('poolsPage.leaseVm')}
                  </button>
                  <button type="button" className="btn btn-small" data-testid={`pool-edit-${p.os}`} onClick={() => setPanel({ kind: 'edit', pool: p })}>
                    {t('poolsPage.edit')}
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    data-testid={`pool-delete-${p.os}`}
                    onClick={() => {
                      if (!window.confirm(t('poolsPage.confirmDelete', { os: p.os }))) return;
                      deleteLeasePool(p.os).then(data.refresh, (e: unknown) => setError(HangarError.from(e)));
                    }}
                  >
                    {t('poolsPage.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('poolsPage.leases.title')}</h2>
      <LeasesTable leases={data.leases} tokens={data.tokens} onChanged={data.refresh} />
      <h2>{t('poolsPage.history.title')}</h2>
      <HistoryCharts records={data.history} now={now} />
    </section>
  );
}
