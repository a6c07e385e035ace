import { EventHistory } from '../../components/EventHistory';
import { HostAlerts } from '../diagnostics/HostAlerts';
import { formatKiB } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { navigate } from '../../stores/route-store';
import { useVms } from '../../stores/vms-store';
import { HostMetrics } from '../metrics/HostMetrics';
import { HostSummary } from './HostUsage';
import { HostProblem } from './HostProblem';
import { accelText } from './accel';
import { HostPlacement } from '../placement/HostPlacement';
import { GoneNotice } from '../../components/GoneNotice';
import { HostMaintenance } from '../maintenance/HostMaintenance';
import { MaintenanceBadge } from '../maintenance/MaintenanceBadge';
import { StorageNetworkTabs } from '../storage/StorageNetworkTabs';
import { HostLastSeen, LastSeenState } from '../vms/LastSeen';

const ratio = (allocated: number, capacity: number) => (capacity > 0 ? (allocated / capacity).toFixed(2) : '—');

/** A host's capacity and what is allocated on it; running VMs count, stopped ones are listed apart. */
export function HostDetailPage({ hostId }: { hostId: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const host = useHosts((s) => s.byId[hostId]);
  const vms = Object.values(useVms((s) => s.byId)).filter((v) => v.hostId === hostId);
  if (!host) return <GoneNotice text={t('host.gone')} back={t('nav.hosts')} onBack={() => navigate('hosts')} />;
  const active = vms.filter((v) => v.state === 'running' || v.state === 'paused' || v.state === 'starting' || v.state === 'migrating');
  const vcpus = active.reduce((a, v) => a + v.vcpus, 0);
  const memKiB = active.reduce((a, v) => a + v.memoryKiB, 0);
  const f = host.facts;
  return (
    <section data-testid="host-detail" data-host-name={host.name}>
      <button type="button" className="btn btn-small" onClick={() => navigate('hosts')}>
        ← {t('nav.hosts')}
      </button>
      <h1>
        {host.name} <span className={`badge host-${host.state}`}>{t(`hosts.state.${host.state}`)}</span> <MaintenanceBadge state={host.maintenance} /> <HostLastSeen host={host} t={t} />
      </h1>
      <HostProblem host={host} detailed />
      <HostSummary host={host} running={active.length} total={vms.length} />
      {f && (
        <div className="tiles">
          <div className="tile" data-testid="host-cpu">
            <h2>{t('hosts.facts.cpu')}</h2>
            <p>
              {f.cpus} × {f.cpuModel}
            </p>
            <p className="muted">{t('host.allocatedVcpus', { count: vcpus, ratio: ratio(vcpus, f.cpus) })}</p>
          </div>
          <div className="tile" data-testid="host-memory">
            <h2>{t('hosts.facts.memory')}</h2>
            <p>{formatKiB(f.memoryKiB, lang)}</p>
            <p className="muted">{t('host.allocatedMemory', { amount: formatKiB(memKiB, lang), ratio: ratio(memKiB, f.memoryKiB) })}</p>
          </div>
          <div className="tile">
            <h2>{t('hosts.facts.versions')}</h2>
            <p>libvirt {f.libvirtVersion}</p>
            <p>QEMU {f.hypervisorVersion}</p>
            <p className="muted" data-testid="host-accel">{accelText(t, f)}</p>
            {f.unsupportedEvents?.length ? (
              <p className="muted" data-testid="host-unsupported-events">
                {t('host.unsupportedEvents')} <span translate="no">{f.unsupportedEvents.join(', ')}</span>
              </p>
            ) : null}
          </div>
        </div>
      )}
      <h2>{t('maintenance.title')}</h2>
      <HostMaintenance host={host} />
      {f && <StorageNetworkTabs hostId={host.id} />}
      <h2>{t('placement.hostTitle')}</h2>
      <HostPlacement hostId={host.id} refreshKey={`${host.state}:${active.length}:${memKiB}`} />
      <h2>{t('metrics.title')}</h2>
      <HostMetrics hostId={host.id} hostName={host.name} />
      <h2>{t('host.events')}</h2>
      <HostAlerts hostId={host.id} />
      <EventHistory hostId={host.id} refreshKey={host.state} />
      <h2>{t('host.vms', { running: active.length, total: vms.length })}</h2>
      <ul className="plain-list">
        {vms
          .sort((a, b) => a.name.localeCompare(b.name))
          .slice(0, 200)
          .map((v) => (
            <li key={v.id}>
              <a href={`#/vms/${encodeURIComponent(v.id)}`}>{v.name}</a>{' '}
              {v.lastSeen ? <LastSeenState vm={{ ...v, lastSeen: v.lastSeen }} host={host} t={t} hostName={host.name} /> : <span className={`badge vm-${v.state}`}>{t(`vm.state.${v.state}`)}</span>}
            </li>
          ))}
      </ul>
    </section>
  );
}
