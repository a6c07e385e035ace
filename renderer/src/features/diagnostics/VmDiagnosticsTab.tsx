import type { Alert } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { AlertList } from './AlertList';
import { describeFinding, useAlerts, useCheck } from './diagnostics-store';
import { TableHead } from '../../components/TableHead';

/**
 * Status conditions as OpenShift shows them for a VM (type, status, reason, message), derived
 * from the health checks that speak about this VM; the VM's active alerts below.
 */
const CONDITIONS: ReadonlyArray<{ type: string; falseWhen: readonly string[] }> = [
  { type: 'Ready', falseWhen: ['VmPausedIoError', 'VmCrashed', 'DomainOnTwoHosts'] },
  { type: 'AgentConnected', falseWhen: ['GuestAgentUnavailable', 'GuestAgentMissing'] },
  { type: 'LiveMigratable', falseWhen: ['CpuIncompatibleForMigration', 'RepeatedMigrationFailures'] },
  { type: 'UniqueNetworkIdentity', falseWhen: ['DuplicateMacInFleet'] },
  { type: 'CurrentQemu', falseWhen: ['VmRunningOutdatedQemu'] },
];

/** `startFailure`: why the VM's last start failed (the VM is then not Ready, whatever the checks say). */
export function VmDiagnosticsTab({ vmId, startFailure = null }: { vmId: string; startFailure?: string | null }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const check = useCheck();
  const alerts = useAlerts().filter((a) => a.vmId === vmId);
  const byCheck = new Map<string, Alert>(alerts.map((a) => [a.checkId, a]));
  return (
    <div data-testid="vm-diagnostics">
      <table className="table" data-testid="vm-conditions">
        <TableHead cols={[t('diag.cond.type'), t('diag.cond.status'), t('diag.cond.reason'), t('diag.cond.message')]} />
        <tbody>
          {CONDITIONS.map((c) => {
            const hit = c.falseWhen.map((id) => byCheck.get(id)).find(Boolean);
            const failed = c.type === 'Ready' && !hit && startFailure !== null;
            return (
              <tr key={c.type} data-testid="vm-condition" data-type={c.type} data-status={hit || failed ? 'False' : 'True'}>
                <td className="mono">{c.type}</td>
                <td>{t(hit || failed ? 'diag.cond.False' : 'diag.cond.True')}</td>
                <td className="mono small">{hit?.checkId ?? (failed ? 'StartFailed' : '')}</td>
                <td className="small">{hit ? describeFinding(check(hit.checkId), hit, lang).title : failed ? t('vm.cond.startFailed', { reason: startFailure }) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>{t('diag.alerts.title')}</h2>
      <AlertList items={alerts} testId="vm-alert-list" showWhere={false} />
    </div>
  );
}
