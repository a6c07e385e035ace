/**
 * The locale for the UI language: dates, times and numbers follow the language the user chose,
 * not the browser's defaults (a Korean UI reads 2026. 12. 2. 오후 3:04, an English one 12/2/2026, 3:04 PM).
 */
export function localeOf(lang: string): string {
  return lang === 'ko' ? 'ko-KR' : lang === 'en' ? 'en-US' : lang;
}

export const formatNumber = (n: number, lang: string, digits = 2) => new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: digits }).format(n);

/** Date and time (epoch ms) in the UI language's locale. */
export const formatDateTime = (ms: number, lang: string) => new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
/** Date and time to the second, for log lines and events. */
export const formatDateTimeSec = (ms: number, lang: string) => new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeStyle: 'medium' }).format(ms);
/** Time of day only, for today's tasks. */
export const formatTime = (ms: number, lang: string) => new Intl.DateTimeFormat(localeOf(lang), { timeStyle: 'medium' }).format(ms);

/** Sizes and numbers as a person reads them; locale-aware where it matters. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(localeOf(locale), { maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 }).format(v)} ${units[i]}`;
}

export const formatKiB = (kib: number, locale: string) => formatBytes(kib * 1024, locale);
