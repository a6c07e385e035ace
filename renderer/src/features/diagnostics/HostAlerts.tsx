import { useT } from '../../i18n/use-t';
import { AlertList } from './AlertList';
import { useAlerts } from './diagnostics-store';

/** A host's active alerts (host-level and its VMs'), for the host detail page. */
export function HostAlerts({ hostId }: { hostId: string }) {
  const t = useT();
  const alerts = useAlerts().filter((a) => a.hostId === hostId);
  return (
    <div className="panel" data-testid="host-alerts">
      <h2>{t('diag.alerts.title')}</h2>
      <AlertList items={alerts} testId="host-alert-list" />
    </div>
  );
}
