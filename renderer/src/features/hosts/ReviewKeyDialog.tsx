import { useState } from 'react';
import type { ErrorData } from '../../../../engine/contract/errors';
import { useT } from '../../i18n/use-t';

/** The two fingerprints of a HOST_KEY_CHANGED refusal, as the engine reported them. */
export interface KeyChange {
  endpoint: string;
  keyType: string;
  next: string;
  previous: string;
  previousKeyType: string;
  /** Where the old key came from: Hangar's own pin, or a line of a known_hosts file. */
  source: 'hangar' | 'known_hosts';
  file?: string;
  line?: number;
}

/** The change a HOST_KEY_CHANGED error describes, or null (also for a @revoked key: no way forward there). */
export function keyChangeOf(err: ErrorData | null | undefined): KeyChange | null {
  const d = err?.details;
  if (err?.code !== 'HOST_KEY_CHANGED' || !d || d['revoked'] === true) return null;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  if (!str('fingerprint') || !str('previousFingerprint')) return null;
  return {
    endpoint: str('endpoint'),
    keyType: str('keyType'),
    next: str('fingerprint'),
    previous: str('previousFingerprint'),
    previousKeyType: str('previousKeyType'),
    source: d['source'] === 'known_hosts' ? 'known_hosts' : 'hangar',
    ...(str('file') ? { file: str('file') } : {}),
    ...(typeof d['line'] === 'number' ? { line: d['line'] } : {}),
  };
}

/**
 * The deliberate "review new key" step: both SHA256 fingerprints side by side, how to check the new
 * one on the host, and a confirmation the user must tick before the pin can be replaced.
 */
export function ReviewKeyDialog({ name, change, onReplace, onClose }: { name: string; change: KeyChange; onReplace: () => Promise<void>; onClose: () => void }) {
  const t = useT();
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <div className="overlay" role="presentation">
      <div className="panel dialog" role="dialog" aria-modal="true" aria-labelledby="review-key-title" data-testid="review-key-dialog">
        <h2 id="review-key-title">{t('hosts.reviewKey.title', { name })}</h2>
        <p>{t('hosts.reviewKey.intro', { endpoint: change.endpoint || name })}</p>
        <div className="key-compare">
          <div>
            <div className="muted small">
              {t('hosts.reviewKey.old', { keyType: change.previousKeyType })} ·{' '}
              {change.source === 'known_hosts' ? t('hosts.reviewKey.fromFile', { file: change.file ?? 'known_hosts', line: change.line ?? '?' }) : t('hosts.reviewKey.fromHangar')}
            </div>
            <div className="mono" data-testid="review-key-old">
              {change.previous}
            </div>
          </div>
          <div>
            <div className="muted small">{t('hosts.reviewKey.new', { keyType: change.keyType })}</div>
            <div className="mono strong" data-testid="review-key-new">
              {change.next}
            </div>
          </div>
        </div>
        <p className="muted small">{t('hosts.reviewKey.verify')}</p>
        {change.source === 'known_hosts' && <p className="muted small">{t('hosts.reviewKey.fileStays')}</p>}
        <label className="check">
          <input type="checkbox" data-testid="review-key-confirm" checked={checked} onChange={(e) => setChecked(e.target.checked)} />
          {t('hosts.reviewKey.confirm')}
        </label>
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="review-key-replace"
            disabled={!checked || busy}
            onClick={() => {
              setBusy(true);
              void onReplace().finally(() => setBusy(false));
            }}
          >
            {t('hosts.reviewKey.replace')}
          </button>
          <button type="button" className="btn" data-testid="review-key-keep" onClick={onClose}>
            {t('hosts.reviewKey.keep')}
          </button>
        </div>
      </div>
    </div>
  );
}
