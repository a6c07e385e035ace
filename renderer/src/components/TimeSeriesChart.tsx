import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useT } from '../i18n/use-t';
import { useEngine } from '../stores/engine-store';
import { localeOf } from './format';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#65a30d'];

/** CSV of a chart's data: one row per point, ISO time then each series. */
export function chartCsv(t: readonly number[], series: readonly ChartSeries[]): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['time', ...series.map((s) => esc(s.label))].join(',');
  const rows = t.map((x, i) => [new Date(x).toISOString(), ...series.map((s) => (s.values[i] == null ? '' : String(s.values[i])))].join(','));
  return [head, ...rows].join('\n') + '\n';
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The value axis: tick spacings to choose from and their labels (see metrics' metricAxis). */
export interface ChartAxis {
  incrs(min: number, max: number): number[];
  values(ticks: number[]): string[];
  top(max: number): number;
}

/** Time labels in the UI language: dates for day-sized ticks, else times of day. */
function timeTicks(locale: string, ticks: number[], incrSec: number): string[] {
  const opts: Intl.DateTimeFormatOptions = incrSec >= 86_400 ? { month: 'numeric', day: 'numeric' } : incrSec >= 60 ? { hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit', second: '2-digit' };
  const f = new Intl.DateTimeFormat(locale, opts);
  return ticks.map((s) => f.format(s * 1000));
}

/**
 * A time-series chart (uPlot: small and fast with thousands of points). Hovering shows each
 * series' value in the legend; the data can be saved as CSV. `t` is epoch ms.
 */
export function TimeSeriesChart({
  title,
  t,
  series,
  format,
  height = 180,
  testId,
  csvName,
  xRange,
  axis,
}: {
  title: string;
  t: readonly number[];
  series: readonly ChartSeries[];
  format: (v: number) => string;
  height?: number;
  testId?: string;
  csvName?: string;
  /** The time window to show (epoch ms), so a chart spans its whole range even where data is missing. */
  xRange?: readonly [number, number];
  /** How the value axis ticks and labels (one unit for all ticks); else `format` for each. */
  axis?: ChartAxis;
}) {
  const tr = useT();
  const locale = localeOf(useEngine((s) => s.settings.language));
  const axisRef = useRef(axis);
  axisRef.current = axis;
  const localeRef = useRef(locale);
  localeRef.current = locale;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const fmt = useRef(format);
  fmt.current = format;
  const xr = useRef(xRange);
  xr.current = xRange;
  // Small tiles show no legend; full charts show each value under the cursor there.
  const legend = height >= 120;
  const shape = series.map((s) => s.label).join('\u0000');

  // The plot is rebuilt when the set of series changes, and only fed new data otherwise.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { show: legend },
      scales: {
        x: { time: true, range: (_u, min, max) => (xr.current ? [xr.current[0] / 1000, xr.current[1] / 1000] : [min, max]) },
        // With a unit axis (amounts: memory, storage, counts) the scale starts at zero, so a
        // level line reads as how much rather than as a wiggle around its own value.
        ...(axisRef.current ? { y: { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(0, min), axisRef.current!.top(max)] } } : {}),
      },
      series: [
        { value: (_u, v) => (v == null ? '—' : new Intl.DateTimeFormat(localeRef.current, { dateStyle: 'medium', timeStyle: 'short' }).format(v * 1000)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt.current(v)),
        })),
      ],
      axes: [
        { stroke: 'currentColor', values: (_u, ticks, _i, _space, incr) => timeTicks(localeRef.current, ticks, incr) },
        {
          stroke: 'currentColor',
          size: 70,
          // A small tile chart still gets its zero and its top labelled.
          space: height < 120 ? 16 : 30,
          ...(axisRef.current ? { incrs: (_u: uPlot, _i: number, min: number, max: number) => axisRef.current!.incrs(min, max) } : {}),
          values: (_u, vals) => axisRef.current?.values(vals) ?? vals.map((v) => fmt.current(v)),
        },
      ],
    };
    const p = new uPlot(opts, [[], ...series.map(() => [])] as uPlot.AlignedData, el);
    plot.current = p;
    const ro = new ResizeObserver(() => p.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt on shape change only
  }, [shape, height, legend, locale]);

  useEffect(() => {
    plot.current?.setData([t.map((x) => x / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [t, series, shape, xRange?.[0], xRange?.[1]]);

  const hasData = t.length > 0;
  return (
    <div className="chart" data-testid={testId} data-points={t.length}>
      <div className="chart-head">
        <h3>{title}</h3>
        <button type="button" className="btn btn-small" disabled={!hasData} data-testid={testId ? `${testId}-csv` : undefined} onClick={() => download(`${csvName ?? title}.csv`, chartCsv(t, series))}>
          {tr('metrics.exportCsv')}
        </button>
      </div>
      <div ref={box} className="chart-plot" />
      {!hasData && <p className="muted chart-empty">{tr('metrics.noData')}</p>}
    </div>
  );
}
