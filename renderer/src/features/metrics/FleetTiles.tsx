import { useMemo } from 'react';
import { DISPLAY_STATES, SERIES, type MetricsGroup } from '../../../../engine/contract';
import { originText } from '../../components/origin-text';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useVms } from '../../stores/vms-store';
import { formatMetric, metricAxis, type Unit } from './format-metric';
import { useMetrics } from './use-metrics';

const col = (g: MetricsGroup | undefined, name: string) => g?.avg[(SERIES.fleet as readonly string[]).indexOf(name)] ?? [];
const last = (xs: (number | null)[]) => {
  for (let i = xs.length - 1; i >= 0; i--) if (xs[i] != null) return xs[i]!;
  return null;
};
const WEEK = { key: '7d' as const };

/** The dashboard's fleet tiles: VM count, vCPU, memory and storage use with 7-day trends; statuses; per template. */
export function FleetTiles() {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const vms = Object.values(useVms((s) => s.byId));
  const target = useMemo(() => ({ kind: 'fleet' as const }), []);
  const { result, window: shown } = useMetrics(target, WEEK);
  const fleet = result?.groups.find((g) => g.kind === 'fleet');
  const times = fleet?.t ?? [];
  const fmt = (unit: Unit) => (v: number) => formatMetric(v, unit, lang);
  const usage = (used: string, total: string, unit: Unit) => {
    const u = last(col(fleet, used));
    const tot = last(col(fleet, total));
    return u == null ? '—' : tot ? `${fmt(unit)(u)} / ${fmt(unit)(tot)}` : fmt(unit)(u);
  };
  const byState = DISPLAY_STATES.map((s) => [s, vms.filter((v) => v.state === s).length] as const).filter(([, n]) => n > 0);
  const byOrigin = [...vms.reduce((m, v) => m.set(v.origin ?? '', (m.get(v.origin ?? '') ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1]);
  // The axis takes its unit from the latest value (the headline's), so both read in one scale.
  const trend = (testId: string, name: string, unit: Unit, label: string) => (
    <TimeSeriesChart
      xRange={shown}
      testId={testId}
      csvName={`fleet-${name}-7d`}
      title={label}
      t={times}
      format={fmt(unit)}
      axis={metricAxis(unit, lang, last(col(fleet, name)) ?? 0)}
      series={[{ label, values: col(fleet, name) }]}
      height={90}
    />
  );
  return (
    <>
      <div className="tile" data-testid="tile-vms">
        <h2>{t('dashboard.vms')}</h2>
        <p className="big-number" data-testid="vm-count">{vms.length}</p>
        {trend('trend-vms', 'vms', 'count', t('dashboard.trend7d'))}
      </div>
      <div className="tile" data-testid="tile-vcpu">
        <h2>{t('dashboard.vcpuUsage')}</h2>
        <p className="big-number">{usage('vcpuUsed', 'vcpus', 'count')}</p>
        {trend('trend-vcpu', 'vcpuUsed', 'count', t('dashboard.trend7d'))}
      </div>
      <div className="tile" data-testid="tile-memory">
        <h2>{t('dashboard.memoryUsage')}</h2>
        <p className="big-number">{usage('memUsed', 'memTotal', 'bytes')}</p>
        {trend('trend-memory', 'memUsed', 'bytes', t('dashboard.trend7d'))}
      </div>
      <div className="tile" data-testid="tile-storage">
        <h2>{t('dashboard.storageUsage')}</h2>
        <p className="big-number">{usage('storageAlloc', 'storageCap', 'bytes')}</p>
        {trend('trend-storage', 'storageAlloc', 'bytes', t('dashboard.trend7d'))}
      </div>
      <div className="tile" data-testid="tile-statuses">
        <h2>{t('dashboard.statuses')}</h2>
        {byState.length === 0 ? (
          <p className="muted">{t('metrics.noVms')}</p>
        ) : (
          <ul className="plain-list">
            {byState.map(([s, n]) => (
              <li key={s} data-testid={`status-${s}`}>
                <span className={`badge vm-${s}`}>{t(`vm.state.${s}`)}</span> {n}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="tile" data-testid="tile-templates">
        <h2>{t('dashboard.perTemplate')}</h2>
        {byOrigin.length === 0 ? (
          <p className="muted">{t('metrics.noVms')}</p>
        ) : (
          <ul className="plain-list">
            {byOrigin.slice(0, 10).map(([o, n]) => (
              <li key={o}>
                {originText(o, t)}: {n}
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}
