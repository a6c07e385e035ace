import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { AlertsTile } from '../diagnostics/AlertsTile';
import { FleetTiles } from '../metrics/FleetTiles';
import { TopConsumers } from '../metrics/TopConsumers';
import { useVms } from '../../stores/vms-store';
import { WarmBanner } from '../vms/LastSeen';

export function DashboardPage() {
  const t = useT();
  const info = useEngine((s) => s.info);
  // The welcome tells a new user what to do first; once a host is added, the fleet tiles say it all.
  const noHosts = useHosts((s) => s.loaded && Object.keys(s.byId).length === 0);
  const vms = useVms((s) => s.byId);
  const hosts = useHosts((s) => s.byId);
  const running = useJobs((s) => Object.values(s.byId).filter((j) => j.state === 'running' || j.state === 'queued').length);
  return (
    <section>
      <h1>{t('dashboard.title')}</h1>
      <WarmBanner vms={Object.values(vms)} hosts={hosts} t={t} />
      <div className="tiles" data-testid="dashboard-tiles">
        <FleetTiles />
        <AlertsTile />
        {noHosts && (
          <div className="tile" data-testid="welcome-tile">
            <h2>{t('dashboard.welcome')}</h2>
            <p className="muted">{t('dashboard.intro')}</p>
          </div>
        )}
        <div className="tile" data-testid="engine-tile">
          <h2>{t('dashboard.engine')}</h2>
          {info && (
            <>
              <p>{t('dashboard.version', { version: info.appVersion })}</p>
              <p className="muted">{t(`dashboard.runtime.${info.runtime}`)}</p>
            </>
          )}
          <p className="muted">{t('dashboard.jobsRunning', { count: running })}</p>
        </div>
      </div>
      <TopConsumers />
    </section>
  );
}
