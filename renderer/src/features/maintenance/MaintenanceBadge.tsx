import type { MaintenanceState } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';

/** A host's maintenance state where hosts are shown; nothing while it is in service. */
export function MaintenanceBadge({ state }: { state: MaintenanceState }) {
  const t = useT();
  if (state === 'none') return null;
  return (
    <span className={`badge maint-${state}`} data-testid="host-maintenance-badge" data-state={state}>
      {t(`maintenance.state.${state}`)}
    </span>
  );
}
