import { useState } from 'react';
import { NETWORK_MODES, type Network, type NetworkAction } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { runNetworkAction } from '../../api/networks';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TableHead } from '../../components/TableHead';
import { useT } from '../../i18n/use-t';
import { useNetworks } from '../../stores/networks-store';
import { ConfirmButton } from '../storage/ConfirmButton';
import { CreateNetworkForm } from './CreateNetworkForm';
import { LeasesPanel } from './LeasesPanel';

const isKnownMode = (mode: string): mode is (typeof NETWORK_MODES)[number] | 'open' => mode === 'open' || (NETWORK_MODES as readonly string[]).includes(mode);

/** The host's Networks tab: virtual networks with their subnet and DHCP, actions, a new network, live leases. */
export function HostNetworks({ hostId }: { hostId: string }) {
  const t = useT();
  const loaded = useNetworks((s) => s.loaded);
  const all = useNetworks((s) => s.byId);
  const nets = Object.values(all)
    .filter((n) => n.hostId === hostId)
    .sort((a, b) => a.name.localeCompare(b.name));
  const [error, setError] = useState<HangarError | null>(null);
  const [creating, setCreating] = useState(false);
  const [leasesOf, setLeasesOf] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = (n: Network, action: NetworkAction) => {
    setError(null);
    setBusy(true);
    runNetworkAction(hostId, n.name, action)
      .then(
        () => undefined,
        (e: unknown) => setError(HangarError.from(e)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <div data-testid="host-networks">
      <div className="toolbar">
        <h2>{t('net.title')}</h2>
        {!creating && (
          <button type="button" className="btn btn-primary" data-testid="net-create-open" onClick={() => setCreating(true)}>
            {t('net.create.open')}
          </button>
        )}
      </div>
      {creating && <CreateNetworkForm hostId={hostId} onClose={() => setCreating(false)} />}
      <ErrorBanner error={error} testId="net-error" />
      <table className="table" data-testid="host-networks-table">
        <TableHead cols={[t('net.col.name'), t('net.col.mode'), t('net.col.state'), t('net.col.subnet'), t('net.col.dhcp'), null]} />
        <tbody>
          {nets.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                {loaded ? t('net.none') : t('storage.loading')}
              </td>
            </tr>
          )}
          {nets.map((n) => (
            <tr key={n.id} data-testid="net-row" data-network={n.name} data-active={n.active ? 'true' : 'false'}>
              <td className="strong" translate="no">
                {n.name}
                {n.bridge && <div className="muted small mono">{n.bridge}</div>}
              </td>
              <td>{isKnownMode(n.mode) ? t(`net.mode.${n.mode}`) : n.mode}</td>
              <td className="nowrap">
                <span className={`badge ${n.active ? 'vm-running' : 'vm-stopped'}`} data-testid="net-state">
                  {n.active ? t('net.active') : t('net.inactive')}
                </span>
                <div className="muted small">
                  {t('net.col.autostart')}: {n.autostart ? t('storage.yes') : t('storage.no')}
                </div>
              </td>
              <td className="mono">{n.subnet ?? '—'}</td>
              <td>
                {n.dhcpRange ? <span className="mono">{t('net.dhcpRange', n.dhcpRange)}</span> : t('net.dhcpOff')}
                {n.leaseMinutes !== null && <div className="muted small">{t('net.leaseTime', { minutes: n.leaseMinutes })}</div>}
                {n.reservations.length > 0 && (
                  <div className="muted small" title={n.reservations.map((r) => `${r.mac} → ${r.ip}`).join('\n')}>
                    {t('net.reservations', { count: n.reservations.length })}
                  </div>
                )}
              </td>
              <td>
                <div className="inline-form">
                {n.active ? (
                  <ConfirmButton label={t('net.action.stop')} question={t('net.confirmStop', { name: n.name })} testId="net-stop" disabled={busy} onConfirm={() => act(n, 'stop')} />
                ) : (
                  <button type="button" className="btn btn-small" data-testid="net-start" disabled={busy} onClick={() => act(n, 'start')}>
                    {t('net.action.start')}
                  </button>
                )}
                <button type="button" className="btn btn-small" data-testid="net-autostart" disabled={busy} onClick={() => act(n, n.autostart ? 'autostartOff' : 'autostartOn')}>
                  {t(n.autostart ? 'net.action.autostartOff' : 'net.action.autostartOn')}
                </button>
                <button type="button" className="btn btn-small" data-testid="net-leases" disabled={!n.active || n.subnet === null} onClick={() => setLeasesOf(leasesOf === n.name ? null : n.name)}>
                  {t('net.action.leases')}
                </button>
                <ConfirmButton label={t('net.action.delete')} question={t('net.confirmDelete', { name: n.name })} testId="net-delete" disabled={busy} onConfirm={() => act(n, 'delete')} />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {leasesOf && <LeasesPanel hostId={hostId} network={leasesOf} onClose={() => setLeasesOf(null)} />}
    </div>
  );
}
