import { useEffect, useState } from 'react';
import { TOP_METRICS, type TopConsumersResult, type TopMetric } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Select } from '../../components/Select';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useVms } from '../../stores/vms-store';
import { formatMetric } from './format-metric';
import { topConsumers } from '../../api/metrics';

const PERIODS = [['300', '5m'], ['900', '15m'], ['3600', '1h'], ['21600', '6h'], ['86400', '24h'], ['604800', '7d']] as const;
const COUNTS = ['5', '10', '20'] as const;
const REFRESH_MS = 10_000;

/** OpenShift's Top consumers: VMs ranked per metric, averaged over a period, with a count. */
export function TopConsumers() {
  const t = useT();
  const client = useEngine((s) => s.client);
  const online = useEngine((s) => s.status === 'connected');
  const lang = useEngine((s) => s.settings.language);
  const vms = useVms((s) => s.byId);
  const [period, setPeriod] = useState('300');
  const [count, setCount] = useState('5');
  const [data, setData] = useState<Partial<Record<TopMetric, TopConsumersResult>>>({});
  const [error, setError] = useState<HangarError | null>(null);

  useEffect(() => {
    if (!client || !online) return;
    let cancelled = false;
    const load = () =>
      Promise.all(TOP_METRICS.map((metric) => topConsumers({ metric, periodSec: Number(period), count: Number(count) }))).then(
        (rs) => {
          if (cancelled) return;
          setData(Object.fromEntries(rs.map((r) => [r.metric, r])));
          setError(null);
        },
        (e: unknown) => !cancelled && setError(HangarError.from(e)),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [client, online, period, count]);

  return (
    <div className="tile tile-wide" data-testid="top-consumers">
      <div className="chart-head">
        <h2>{t('metrics.top.title')}</h2>
        <div className="chart-tools">
          <label>
            {t('metrics.top.period')} <Select testId="top-period" value={period} onChange={setPeriod} options={PERIODS.map(([v, k]) => [v, t(`metrics.range.${k}`)] as const)} />
          </label>
          <label>
            {t('metrics.top.count')} <Select testId="top-count" value={count} onChange={setCount} options={COUNTS} />
          </label>
        </div>
      </div>
      {error && <ErrorBanner error={error} />}
      <div className="top-grid">
        {TOP_METRICS.map((m) => {
          const r = data[m];
          const maxV = Math.max(1e-9, ...(r?.items.map((i) => i.value) ?? [0]));
          return (
            <div key={m} className="top-card" data-testid={`top-${m}`}>
              <h3>{t(`metrics.top.${m}`)}</h3>
              {!r || r.items.length === 0 ? (
                <p className="muted">{t('metrics.noData')}</p>
              ) : (
                <ol className="top-list">
                  {r.items.map((i) => (
                    <li key={i.vmId} data-testid="top-item" data-vm-name={vms[i.vmId]?.name ?? i.label}>
                      <a href={`#/vms/${encodeURIComponent(i.vmId)}`}>{vms[i.vmId]?.name ?? i.label}</a>
                      <span className="top-value">{formatMetric(i.value, r.unit, lang)}</span>
                      <progress max={maxV} value={i.value} />
                    </li>
                  ))}
                </ol>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
