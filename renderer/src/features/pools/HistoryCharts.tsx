import { useMemo } from 'react';
import type { LeaseHistoryRecord } from '../../../../engine/contract';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { useT } from '../../i18n/use-t';

const HOUR = 3600_000;

/** Buckets of a day's history: leases made per bucket, and VMs alive at each bucket's end. */
export function historySeries(records: readonly LeaseHistoryRecord[], now: number, spanMs = 24 * HOUR, buckets = 48) {
  const step = spanMs / buckets;
  const start = now - spanMs;
  const t = Array.from({ length: buckets }, (_, i) => start + (i + 1) * step);
  const made = t.map(() => 0);
  const alive = t.map(() => 0);
  for (const r of records) {
    const born = r.created_time * 1000;
    const gone = r.deleted_time === null ? Infinity : r.deleted_time * 1000;
    const i = Math.floor((born - start) / step);
    if (i >= 0 && i < buckets) made[i]!++;
    t.forEach((end, j) => {
      if (born <= end && gone > end && r.state !== 'failed') alive[j]!++;
    });
  }
  const created = records.filter((r) => r.create_duration_secs !== null && r.created_time * 1000 >= start).sort((a, b) => a.created_time - b.created_time);
  return { t, made, alive, durT: created.map((r) => r.created_time * 1000), dur: created.map((r) => r.create_duration_secs) };
}

/** The history as charts (uPlot): leases over time, how long each took to create, VMs in use. */
export function HistoryCharts({ records, now }: { records: readonly LeaseHistoryRecord[]; now: number }) {
  const t = useT();
  // Recomputed when the records change, not every second.
  // Buckets end at the end of this minute, so a lease made a moment ago is counted.
  const end = (Math.floor(now / 60_000) + 1) * 60_000;
  const s = useMemo(() => historySeries(records, end), [records, end]);
  const range: [number, number] = [end - 24 * HOUR, end];
  const count = (v: number) => String(Math.round(v));
  return (
    <div className="chart-grid" data-testid="pool-history-charts">
      <TimeSeriesChart title={t('poolsPage.history.made')} testId="chart-leases-made" t={s.t} series={[{ label: t('poolsPage.history.madeSeries'), values: s.made }]} format={count} xRange={range} csvName="leases-made" />
      <TimeSeriesChart title={t('poolsPage.history.durations')} testId="chart-create-durations" t={s.durT} series={[{ label: t('poolsPage.history.durationSeries'), values: s.dur }]} format={(v) => t('poolsPage.history.seconds', { n: Math.round(v) })} xRange={range} csvName="create-durations" />
      <TimeSeriesChart title={t('poolsPage.history.utilisation')} testId="chart-utilisation" t={s.t} series={[{ label: t('poolsPage.history.aliveSeries'), values: s.alive }]} format={count} xRange={range} csvName="leases-alive" />
    </div>
  );
}
