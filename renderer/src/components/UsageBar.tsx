/** Small usage figures for lists and summaries: a bar with its words, and a CPU trail. */

const percentFormats = new Map<string, Intl.NumberFormat>();
/** A percentage (0–100) in the UI language's format, e.g. "12%" or "12 %". */
export function formatPercent(value: number, locale: string): string {
  let f = percentFormats.get(locale);
  if (!f) percentFormats.set(locale, (f = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 })));
  return f.format(value / 100);
}

export function UsageBar({ fraction, label, warn = false, testId, title }: { fraction: number; label: string; warn?: boolean; testId?: string; title?: string }) {
  const pct = Math.max(0, Math.min(100, fraction * 100));
  return (
    <div className={warn ? 'usage warn' : 'usage'} data-testid={testId} title={title ?? label}>
      <div className="usage-track" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label={title ?? label}>
        <div className="usage-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="usage-label">{label}</span>
    </div>
  );
}

/** The last samples of a 0–100 series as a line, newest on the right. */
export function Sparkline({ values, width = 48, height = 16 }: { values: readonly number[]; width?: number; height?: number }) {
  if (values.length < 2) return <svg className="spark" width={width} height={height} aria-hidden="true" />;
  const step = width / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (Math.max(0, Math.min(100, v)) / 100) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg className="spark" width={width} height={height} aria-hidden="true">
      <polyline points={pts} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
