import { useT } from '../../i18n/use-t';
import { navigate } from '../../stores/route-store';
import { SEVERITIES, useAlerts } from './diagnostics-store';

/** Dashboard tile: active alerts grouped by severity; a click opens Diagnostics. */
export function AlertsTile() {
  const t = useT();
  const alerts = useAlerts();
  return (
    <div className="tile" data-testid="alerts-tile">
      <h2>{t('diag.tile.title')}</h2>
      {SEVERITIES.map((s) => (
        <p key={s}>
          <button type="button" className="btn btn-small" data-testid={`alerts-tile-${s}`} onClick={() => navigate('diagnostics')}>
            <span className={`badge sev-${s}`}>{t(`diag.severity.${s}`)}</span> {alerts.filter((a) => a.severity === s).length}
          </button>
        </p>
      ))}
    </div>
  );
}
