import { useMemo, useState } from 'react';
import { SERIES, type MetricsGroup } from '../../../../engine/contract';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { formatMetric, type Unit } from './format-metric';
import { RangePicker } from './RangePicker';
import type { TimeRange } from './ranges';
import { useMetrics } from './use-metrics';

const col = (g: MetricsGroup | undefined, kind: keyof typeof SERIES, name: string) => g?.avg[(SERIES[kind] as readonly string[]).indexOf(name)] ?? [];

/** A host's charts: CPU, memory, storage per pool, and the totals of its VMs. */
export function HostMetrics({ hostId, hostName }: { hostId: string; hostName: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [range, setRange] = useState<TimeRange>({ key: '1h' });
  const target = useMemo(() => ({ kind: 'host' as const, hostId }), [hostId]);
  const { result, error, window: shown } = useMetrics(target, range);
  const host = result?.groups.find((g) => g.kind === 'host');
  const pools = result?.groups.filter((g) => g.kind === 'pool') ?? [];
  const f = (unit: Unit) => (v: number) => formatMetric(v, unit, lang);
  const times = host?.t ?? [];
  const csv = (what: string) => `${hostName}-${what}-${range.key}`;
  return (
    <div className="metrics-tab" data-testid="host-metrics">
      <RangePicker value={range} onChange={setRange} />
      {error && <ErrorBanner error={error} />}
      <div className="chart-grid">
        <TimeSeriesChart xRange={shown} testId="host-chart-cpu" csvName={csv('cpu')} title={t('metrics.hostCpu')} t={times} format={f('percent')} series={[{ label: t('metrics.cpuBusy'), values: col(host, 'host', 'cpu') }]} />
        <TimeSeriesChart xRange={shown} testId="host-chart-memory" csvName={csv('memory')} title={t('metrics.memory')} t={times} format={f('bytes')} series={[{ label: t('metrics.memUsed'), values: col(host, 'host', 'memUsed') }, { label: t('metrics.memTotal'), values: col(host, 'host', 'memTotal') }, { label: t('metrics.vmMemUsed'), values: col(host, 'host', 'vmMemUsed') }]} />
        <TimeSeriesChart xRange={shown} testId="host-chart-storage" csvName={csv('storage')} title={t('metrics.poolStorage')} t={pools[0]?.t ?? []} format={f('bytes')} series={pools.map((p) => ({ label: p.label, values: col(p, 'pool', 'allocation') }))} />
        <TimeSeriesChart xRange={shown} testId="host-chart-vcpus" csvName={csv('vcpus')} title={t('metrics.vmVcpus')} t={times} format={(v) => formatMetric(v, 'count', lang)} series={[{ label: t('metrics.vcpusAllocated'), values: col(host, 'host', 'vcpus') }, { label: t('metrics.vcpusBusy'), values: col(host, 'host', 'vcpuUsed') }]} />
        <TimeSeriesChart xRange={shown} testId="host-chart-io" csvName={csv('io')} title={t('metrics.vmIo')} t={times} format={f('bytesPerSec')} series={[{ label: t('metrics.diskRead'), values: col(host, 'host', 'diskRd') }, { label: t('metrics.diskWrite'), values: col(host, 'host', 'diskWr') }, { label: t('metrics.netIn'), values: col(host, 'host', 'netRx') }, { label: t('metrics.netOut'), values: col(host, 'host', 'netTx') }]} />
      </div>
    </div>
  );
}
