import type { Finding } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { describeFinding, severityRank, useCheck } from './diagnostics-store';

/** Findings or alerts as a person acts on them: severity, what, where, and what to do. */
export function AlertList({ items, testId = 'alert-list', showWhere = true }: { items: Finding[]; testId?: string; showWhere?: boolean }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const check = useCheck();
  const sorted = [...items].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.checkId.localeCompare(b.checkId));
  if (sorted.length === 0) return <p className="muted" data-testid={`${testId}-empty`}>{t('diag.alerts.none')}</p>;
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('diag.alerts.severity')}</th>
          <th>{t('diag.alerts.check')}</th>
          {showWhere && <th>{t('diag.alerts.where')}</th>}
          <th>{t('diag.alerts.remediation')}</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((f) => {
          const d = describeFinding(check(f.checkId), f, lang);
          return (
            <tr key={f.id} data-testid="alert-row" data-check={f.checkId} data-severity={f.severity}>
              <td>
                <span className={`badge sev-${f.severity}`}>{t(`diag.severity.${f.severity}`)}</span>
              </td>
              <td data-testid="alert-title">{d.title}</td>
              {showWhere && <td className="small">{[f.hostName, f.vmName].filter(Boolean).join(' / ') || t('diag.alerts.fleet')}</td>}
              <td className="small" data-testid="alert-remediation">
                {d.remediation}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
