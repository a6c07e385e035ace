import { useEffect, useState } from 'react';
import type { DhcpLeaseInfo } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { networkLeases } from '../../api/networks';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TableHead } from '../../components/TableHead';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';

const POLL_MS = 5_000;

/** A network's DHCP leases, read again every few seconds while shown (libvirt sends no lease events). */
export function LeasesPanel({ hostId, network, onClose }: { hostId: string; network: string; onClose: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [leases, setLeases] = useState<DhcpLeaseInfo[] | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  useEffect(() => {
    let stop = false;
    const read = () =>
      networkLeases(hostId, network).then(
        (r) => {
          if (!stop) {
            setLeases(r.leases);
            setError(null);
          }
        },
        (e: unknown) => !stop && setError(HangarError.from(e)),
      );
    void read();
    const timer = setInterval(read, POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [hostId, network]);
  const time = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <section className="panel" data-testid="leases-panel" data-network={network}>
      <div className="toolbar">
        <h2>{t('net.leases.title', { name: network })}</h2>
        <span className="muted small">{t('net.leases.live')}</span>
        <button type="button" className="btn btn-small" onClick={onClose}>
          {t('vol.close')}
        </button>
      </div>
      <ErrorBanner error={error} />
      <table className="table" data-testid="leases">
        <TableHead cols={[t('net.leases.mac'), t('net.leases.ip'), t('net.leases.hostname'), t('net.leases.expires')]} />
        <tbody>
          {(leases ?? []).length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                {t('net.leases.none')}
              </td>
            </tr>
          )}
          {(leases ?? []).map((l) => (
            <tr key={`${l.mac}-${l.ip}`} data-testid="lease-row">
              <td className="mono">{l.mac ?? '—'}</td>
              <td className="mono">
                {l.ip}/{l.prefix}
              </td>
              <td>{l.hostname ?? '—'}</td>
              <td>{time.format(new Date(l.expiresAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
