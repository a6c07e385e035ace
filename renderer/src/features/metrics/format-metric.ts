import { formatBytes, localeOf } from '../../components/format';

export type Unit = 'percent' | 'bytes' | 'bytesPerSec' | 'opsPerSec' | 'count';

/** A metric value as a person reads it, by unit. */
export function formatMetric(v: number, unit: Unit, locale: string): string {
  const num = (x: number, digits = 1) => new Intl.NumberFormat(localeOf(locale), { maximumFractionDigits: digits }).format(x);
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

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const STEPS = [1, 2, 2.5, 5];

/** How a chart's value axis is ticked and labelled. */
export interface MetricAxis {
  /** Tick spacings uPlot may choose from, for a scale from min to max. */
  incrs(min: number, max: number): number[];
  /** Labels for the ticks: all in one unit, so they read as one scale. */
  values(ticks: number[]): string[];
  /** The top of the scale: a round number of the unit at or above `max`, so it gets a labelled tick. */
  top(max: number): number;
}

/**
 * A value axis in one unit for all its ticks, chosen from the largest value it shows or
 * `reference` (the headline above the chart), so "0 GiB · 1 GiB · 2 GiB · 3 GiB" sits under a
 * "2.6 GiB" headline rather than "0 B" and a mix of units. Byte ticks fall on round numbers of
 * that unit.
 */
export function metricAxis(unit: Unit, locale: string, reference = 0): MetricAxis {
  const perSec = unit === 'bytesPerSec';
  if (unit !== 'bytes' && !perSec) return { incrs: (min, max) => niceIncrs(1, min, max), values: (ticks) => ticks.map((v) => formatMetric(v, unit, locale)), top: (max) => niceCeil(Math.max(max, reference, 1), 1) };
  const base = (max: number) => {
    let k = 0;
    while (max >= 1024 ** (k + 1) && k < BYTE_UNITS.length - 1) k++;
    return k;
  };
  let k = 0;
  return {
    incrs(min, max) {
      k = base(Math.max(Math.abs(min), Math.abs(max), reference));
      return niceIncrs(1024 ** k, min, max);
    },
    top(max) {
      return niceCeil(Math.max(max, reference), 1024 ** base(Math.max(max, reference)));
    },
    values(ticks) {
      const nf = new Intl.NumberFormat(localeOf(locale), { maximumFractionDigits: 2 });
      return ticks.map((v) => `${nf.format(v / 1024 ** k)} ${BYTE_UNITS[k]}${perSec ? '/s' : ''}`);
    },
  };
}

/** The smallest 1, 2, 2.5 or 5 × a power of ten of `base` at or above x (1 for nothing). */
function niceCeil(x: number, base: number): number {
  if (!(x > 0)) return base;
  const v = x / base;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const s of [...STEPS, 10]) if (s * p >= v * (1 - 1e-9)) return s * p * base;
  return 10 * p * base;
}

/** 1, 2, 2.5, 5 × powers of ten of `base`, from a hundredth of it up to well past the range. */
function niceIncrs(base: number, min: number, max: number): number[] {
  const out: number[] = [];
  const span = Math.max(Math.abs(max - min), Math.abs(max), base);
  for (let p = base / 100; p <= span * 10; p *= 10) for (const s of STEPS) out.push(s * p);
  return out;
}
