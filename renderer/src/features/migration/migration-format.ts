import type { MigrationStats } from '../../../../engine/contract';
import { formatBytes, formatNumber } from '../../components/format';

/**
 * libvirt's job stats as a person reads them: sizes in binary units, rates per second, downtime in
 * ms or s, all in the UI language's locale. A figure libvirt did not report is null here and "—"
 * on screen, never 0 (an unknown rate is not a stalled one).
 */

export const DASH = '—';

/** Bytes per second as e.g. "12.5 MiB/s"; null when unknown. */
export function formatRate(bytesPerSec: number | null, lang: string): string {
  return bytesPerSec === null || !Number.isFinite(bytesPerSec) ? DASH : `${formatBytes(Math.max(0, bytesPerSec), lang)}/s`;
}

/** What is left to move, memory and copied disks together (disks only count once their copy is known). */
export function remainingBytes(s: Pick<MigrationStats, 'dataRemaining' | 'diskRemaining'>): number | null {
  if (s.dataRemaining === null && s.diskRemaining === null) return null;
  return (s.dataRemaining ?? 0) + (s.diskRemaining ?? 0);
}

export function totalBytes(s: Pick<MigrationStats, 'dataTotal' | 'diskTotal'>): number | null {
  if (s.dataTotal === null && s.diskTotal === null) return null;
  return (s.dataTotal ?? 0) + (s.diskTotal ?? 0);
}

/**
 * How far along it is (0..1), from what is left of the total; null when libvirt has not said yet.
 * Pre-copy sends pages again as the guest dirties them, so remaining can grow: the bar may step back,
 * which is the truth about a migration that does not converge.
 */
export function migrationFraction(s: Pick<MigrationStats, 'dataTotal' | 'dataRemaining' | 'diskTotal' | 'diskRemaining'>): number | null {
  const total = totalBytes(s);
  const left = remainingBytes(s);
  if (total === null || left === null || total <= 0) return null;
  return Math.min(1, Math.max(0, 1 - left / total));
}

/** The `{remaining}` and `{total}` of "12 MiB of 256 MiB left"; null when the remaining is unknown. */
export function remainingArgs(s: MigrationStats, lang: string): { remaining: string; total: string } | null {
  const left = remainingBytes(s);
  if (left === null) return null;
  const total = totalBytes(s);
  return { remaining: formatBytes(left, lang), total: total === null ? DASH : formatBytes(total, lang) };
}

/** Expected downtime: ms below a second, then seconds with one decimal. */
export function formatDowntime(ms: number | null, lang: string): string {
  if (ms === null || !Number.isFinite(ms)) return DASH;
  return ms < 1000 ? `${formatNumber(Math.round(ms), lang, 0)} ms` : `${formatNumber(ms / 1000, lang, 1)} s`;
}

/** The time left at the current rate, in whole seconds, or null when it cannot be said. */
export function secondsLeft(s: MigrationStats): number | null {
  const left = remainingBytes(s);
  if (left === null || s.transferRate === null || s.transferRate <= 0) return null;
  return Math.ceil(left / s.transferRate);
}

/** A bandwidth limit typed in a field: a whole number of MiB/s from 0 (unlimited) to 100 000, or null when it is not one. */
export function parseBandwidth(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,6}$/.test(t)) return null;
  const n = Number(t);
  return n <= 100_000 ? n : null;
}
