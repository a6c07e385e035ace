import { formatBytes } from '../../components/format';

export type Unit = 'percent' | 'bytes' | 'bytesPerSec' | 'opsPerSec' | 'count';

/** A metric value as a person reads it, by unit. */
export function formatMetric(v: number, unit: Unit, locale: string): string {
  const num = (x: number, digits = 1) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(x);
  switch (unit) {
    case 'percent':
      return `${num(v)} %`;
    case 'bytes':
      return formatBytes(Math.max(0, v), locale);
    case 'bytesPerSec':
      return `${formatBytes(Math.max(0, v), locale)}/s`;
    case 'opsPerSec':
      return `${num(v)}/s`;
    case 'count':
      return num(v, 1);
  }
}
