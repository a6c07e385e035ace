import { useMemo, useState } from 'react';
import { SERIES, type MetricsGroup } from '../../../../engine/contract';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Select } from '../../components/Select';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { formatMetric, type Unit } from './format-metric';
import { RangePicker } from './RangePicker';
import type { TimeRange } from './ranges';
import { useMetrics } from './use-metrics';

const col = (g: MetricsGroup | undefined, kind: keyof typeof SERIES, name: string) => {
  const i = (SERIES[kind] as readonly string[]).indexOf(name);
  return g?.avg[i] ?? [];
};

/** The VM Metrics tab: CPU, memory, storage throughput and IOPS, network with a per-NIC choice. */
export function VmMetricsTab({ vmId, vmName }: { vmId: string; vmName: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [range, setRange] = useState<TimeRange>({ key: '15m' });
  const [nic, setNic] = useState('');
  const target = useMemo(() => ({ kind: 'vm' as const, vmId }), [vmId]);
  const { result, error, window: shown } = useMetrics(target, range);
  const groups = result?.groups ?? [];
  const vm = groups.find((g) => g.kind === 'vm');
  const nics = groups.filter((g) => g.kind === 'nic');
  const chosenNic = nics.find((g) => g.label === nic);
  const f = (unit: Unit) => (v: number) => formatMetric(v, unit, lang);
  const times = vm?.t ?? [];
  const csv = (what: string) => `${vmName}-${what}-${range.key}`;
  // Shown only for a range in which a migration ran (the series are empty otherwise).
  const migBps = col(vm, 'vm', 'migBps');
  const migrated = migBps.some((v) => v != null);
  return (
    <div className="metrics-tab" data-testid="vm-metrics" data-resolution={result?.resolution ?? ''}>
      <RangePicker value={range} onChange={setRange} />
      {error && <ErrorBanner error={error} />}
      <div className="chart-grid">
        <TimeSeriesChart xRange={shown} testId="chart-cpu" csvName={csv('cpu')} title={t('metrics.cpu')} t={times} format={f('percent')} series={[{ label: t('metrics.cpuOfVcpus'), values: col(vm, 'vm', 'cpu') }, { label: t('metrics.vcpuWait'), values: col(vm, 'vm', 'vcpuWait') }]} />
        <TimeSeriesChart xRange={shown} testId="chart-memory" csvName={csv('memory')} title={t('metrics.memory')} t={times} format={f('bytes')} series={[{ label: t('metrics.memUsed'), values: col(vm, 'vm', 'memUsed') }, { label: t('metrics.memTotal'), values: col(vm, 'vm', 'memTotal') }]} />
        <TimeSeriesChart xRange={shown} testId="chart-disk" csvName={csv('disk')} title={t('metrics.diskThroughput')} t={times} format={f('bytesPerSec')} series={[{ label: t('metrics.read'), values: col(vm, 'vm', 'diskRd') }, { label: t('metrics.write'), values: col(vm, 'vm', 'diskWr') }]} />
        <TimeSeriesChart xRange={shown} testId="chart-iops" csvName={csv('iops')} title={t('metrics.diskIops')} t={times} format={f('opsPerSec')} series={[{ label: t('metrics.read'), values: col(vm, 'vm', 'diskRdIops') }, { label: t('metrics.write'), values: col(vm, 'vm', 'diskWrIops') }]} />
        <TimeSeriesChart xRange={shown} testId="chart-swap" csvName={csv('swap')} title={t('metrics.swap')} t={times} format={f('bytesPerSec')} series={[{ label: t('metrics.swapIn'), values: col(vm, 'vm', 'swapIn') }, { label: t('metrics.swapOut'), values: col(vm, 'vm', 'swapOut') }]} />
        <div>
          <div className="chart-tools">
            <Select testId="nic-select" value={nic} onChange={setNic} blank={t('metrics.allNetworks')} options={nics.map((g) => g.label)} />
          </div>
          {chosenNic ? (
            <TimeSeriesChart xRange={shown} testId="chart-net" csvName={csv(`net-${nic}`)} title={t('metrics.networkOf', { nic })} t={chosenNic.t} format={f('bytesPerSec')} series={[{ label: t('metrics.netIn'), values: col(chosenNic, 'nic', 'rx') }, { label: t('metrics.netOut'), values: col(chosenNic, 'nic', 'tx') }]} />
          ) : (
            <TimeSeriesChart xRange={shown} testId="chart-net" csvName={csv('net')} title={t('metrics.network')} t={times} format={f('bytesPerSec')} series={[{ label: t('metrics.netIn'), values: col(vm, 'vm', 'netRx') }, { label: t('metrics.netOut'), values: col(vm, 'vm', 'netTx') }]} />
          )}
        </div>
        {migrated && (
          <TimeSeriesChart xRange={shown} testId="chart-migration" csvName={csv('migration')} title={t('metrics.migration')} t={times} format={f('bytesPerSec')} series={[{ label: t('metrics.migrationRate'), values: migBps }]} />
        )}
        {migrated && (
          <TimeSeriesChart xRange={shown} testId="chart-migration-progress" csvName={csv('migration-progress')} title={t('metrics.migrationProgress')} t={times} format={f('percent')} series={[{ label: t('metrics.migrationProgress'), values: col(vm, 'vm', 'migProgress') }]} />
        )}
        {nics.length > 1 && !chosenNic && (
          <TimeSeriesChart xRange={shown} testId="chart-net-breakdown" csvName={csv('net-breakdown')} title={t('metrics.netBreakdown')} t={nics[0]!.t} format={f('bytesPerSec')} series={nics.flatMap((g) => [{ label: `${g.label} ${t('metrics.netIn')}`, values: col(g, 'nic', 'rx') }, { label: `${g.label} ${t('metrics.netOut')}`, values: col(g, 'nic', 'tx') }])} />
        )}
      </div>
    </div>
  );
}
