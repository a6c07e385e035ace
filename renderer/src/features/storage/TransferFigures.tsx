import { useRef } from 'react';
import type { TransferStats } from '../../../../engine/contract';
import { formatBytes } from '../../components/format';
import { ProgressBar, type ProgressTone } from '../../components/ProgressBar';
import type { Translate } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';

/** Seconds as a person reads a remaining time: 45 s, 3 min 20 s, 1 h 5 min. */
export function etaText(t: Translate, sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return t('transfer.time.s', { s });
  if (s < 3600) return t('transfer.time.ms', { m: Math.floor(s / 60), s: s % 60 });
  return t('transfer.time.hm', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

/**
 * A transfer's bar and figures: bytes done of all, rate, time left, or what it waits for. The bar
 * never moves back: the engine's bytesDone only grows, and this keeps the highest it has shown.
 */
export function TransferFigures({ stats, label, tone = 'active', testId }: { stats: TransferStats | undefined; label: string; tone?: ProgressTone; testId?: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const high = useRef(0);
  const done = Math.max(high.current, stats?.bytesDone ?? 0);
  high.current = done;
  const total = stats?.bytesTotal ?? 0;
  const value = total > 0 ? done / total : null;
  return (
    <div className="transfer-figures" data-testid={testId} data-done={done} data-total={total} data-phase={stats?.phase ?? 'waiting'}>
      <ProgressBar value={value} label={label} tone={tone} />
      <div className="muted small" data-testid="transfer-text">
        {t('transfer.bytes', { done: formatBytes(done, lang), total: formatBytes(total, lang) })}
        {stats?.phase === 'sending' && stats.rateBps > 0 && <> · {t('transfer.rate', { rate: formatBytes(stats.rateBps, lang) })}</>}
        {stats?.phase === 'sending' && stats.etaSec !== null && <> · {t('transfer.eta', { time: etaText(t, stats.etaSec) })}</>}
        {stats?.phase === 'waiting' && !stats.resumableUntil && tone === 'active' && <> · {t('transfer.phase.waiting')}</>}
        {stats?.phase === 'verifying' && tone === 'active' && <> · {t('transfer.phase.verifying')}</>}
      </div>
    </div>
  );
}
