import { useT } from '../i18n/use-t';
import { useEngine } from '../stores/engine-store';

export function ConnectionIndicator() {
  const t = useT();
  const status = useEngine((s) => s.status);
  const label = status === 'no-token' ? t('connection.unauthorized') : t(`connection.${status}`);
  return (
    <div className={`conn conn-${status}`} data-testid="connection-status" data-status={status} role="status">
      <span className="conn-dot" aria-hidden="true" />
      {label}
    </div>
  );
}
