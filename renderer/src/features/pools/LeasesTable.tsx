import { useState } from 'react';
import type { ApiToken, Lease } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { extendLease, releaseLeases } from '../../api/pools';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TableHead } from '../../components/TableHead';
import { useT } from '../../i18n/use-t';
import { countdown, ownerText } from './lease-text';
import { useNow } from './use-pools-data';

/** Live leases: where each VM runs, its address, and the time left before the reaper deletes it. */
export function LeasesTable({ leases, tokens, onChanged }: { leases: Lease[]; tokens: ApiToken[]; onChanged(): void }) {
  const t = useT();
  const now = useNow();
  const [error, setError] = useState<HangarError | null>(null);
  const act = (p: Promise<unknown>) => p.then(onChanged, (e: unknown) => setError(HangarError.from(e)));
  if (!leases.length) return <EmptyState title={t('poolsPage.leases.none')} help={t('poolsPage.leases.noneHelp')} />;
  return (
    <>
      <ErrorBanner error={error} />
      <table className="table" data-testid="leases-table">
        <TableHead cols={[t('poolsPage.leases.name'), t('poolsPage.leases.os'), t('poolsPage.leases.host'), t('poolsPage.leases.ip'), t('poolsPage.leases.state'), t('poolsPage.leases.expires'), t('poolsPage.leases.owner'), null]} />
        <tbody>
          {[...leases]
            .sort((a, b) => a.expiresAt - b.expiresAt)
            .map((l) => (
              <tr key={l.id} data-testid={`lease-row-${l.name}`}>
                <td translate="no">{l.name}</td>
                <td translate="no">{l.os}</td>
                <td translate="no">{l.hostName ?? '—'}</td>
                <td className="mono">{l.ipaddr ?? '—'}</td>
                <td>
                  <span className={`badge lease-${l.state}`}>{t(`poolsPage.state.${l.state}`)}</span>
                  {l.fromSpare && <span className="muted small"> {t('poolsPage.leases.fromSpare')}</span>}
                </td>
                <td className="mono" data-testid={`lease-expiry-${l.name}`} title={new Date(l.expiresAt).toISOString()}>
                  {countdown(l.expiresAt - now)}
                </td>
                <td>{ownerText(t, l.owner, tokens)}</td>
                <td className="row-actions">
                  {l.state === 'ready' && (
                    <button type="button" className="btn btn-small" data-testid={`lease-extend-${l.name}`} onClick={() => void act(extendLease(l.id, 30))}>
                      {t('poolsPage.leases.extend30')}
                    </button>
                  )}
                  {(l.state === 'ready' || l.state === 'provisioning') && (
                    <button type="button" className="btn btn-small btn-danger" data-testid={`lease-release-${l.name}`} onClick={() => void act(releaseLeases([l.id]))}>
                      {t('poolsPage.leases.release')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </>
  );
}
