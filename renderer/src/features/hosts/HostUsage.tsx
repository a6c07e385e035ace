import type { Host } from '../../../../engine/contract';
import { kvmUsable } from '../../../../engine/contract/hosts';
import { accelText } from './accel';
import { formatBytes } from '../../components/format';
import { formatPercent, UsageBar } from '../../components/UsageBar';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { isFresh, useUsage, useUsageFeed } from '../../stores/usage-store';

/** A host's CPU and memory in use, from the metrics service's live rounds (issue 19). */
export function HostUsageCells({ host }: { host: Host }) {
  const lang = useEngine((s) => s.settings.language);
  const intervalSec = useEngine((s) => s.settings.metricsIntervalSec);
  const u = useUsage((s) => s.host[host.id]);
  if (host.state !== 'connected' || !isFresh(u, intervalSec)) {
    return (
      <>
        <td className="muted">—</td>
        <td className="muted">—</td>
      </>
    );
  }
  return (
    <>
      <td data-testid="host-cpu-use" data-cpu={u.cpu?.toFixed(2) ?? ''}>
        {u.cpu === null ? '—' : <UsageBar fraction={u.cpu / 100} label={formatPercent(u.cpu, lang)} />}
      </td>
      <td data-testid="host-mem-use" data-mem-used={u.memUsed ?? ''} data-mem-total={u.memTotal ?? ''}>
        {u.memUsed === null || !u.memTotal ? '—' : <UsageBar fraction={u.memUsed / u.memTotal} label={`${formatBytes(u.memUsed, lang)} / ${formatBytes(u.memTotal, lang)}`} />}
      </td>
    </>
  );
}

/** The host page's one-screen summary: usage, VMs, acceleration and versions side by side. */
export function HostSummary({ host, running, total }: { host: Host; running: number; total: number }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const intervalSec = useEngine((s) => s.settings.metricsIntervalSec);
  const u = useUsage((s) => s.host[host.id]);
  useUsageFeed();
  const fresh = host.state === 'connected' && isFresh(u, intervalSec);
  const num = new Intl.NumberFormat(lang);
  return (
    <div className="panel host-summary" data-testid="host-summary">
      <div>
        <h2>{t('hosts.col.cpuUse')}</h2>
        {fresh && u.cpu !== null ? <UsageBar testId="host-summary-cpu" fraction={u.cpu / 100} label={t('hosts.cpuOf', { pct: formatPercent(u.cpu, lang), cpus: num.format(host.facts?.cpus ?? 0) })} /> : <p className="muted">—</p>}
      </div>
      <div>
        <h2>{t('hosts.col.memUse')}</h2>
        {fresh && u.memUsed !== null && u.memTotal ? <UsageBar testId="host-summary-mem" fraction={u.memUsed / u.memTotal} label={`${formatBytes(u.memUsed, lang)} / ${formatBytes(u.memTotal, lang)}`} /> : <p className="muted">—</p>}
      </div>
      <div>
        <h2>{t('hosts.col.vmsRunning')}</h2>
        <p className="big" data-testid="host-summary-vms">{t('hosts.runningOf', { running: num.format(running), total: num.format(total) })}</p>
      </div>
      <div>
        <h2>{t('hosts.col.accel')}</h2>
        <p className={host.facts && !kvmUsable(host.facts) ? 'warn-text' : undefined} data-testid="host-summary-accel">
          {host.facts ? accelText(t, host.facts) : '—'}
        </p>
      </div>
    </div>
  );
}
