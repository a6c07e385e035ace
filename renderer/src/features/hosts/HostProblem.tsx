import { useState } from 'react';
import type { Host } from '../../../../engine/contract';
import { Message } from '../../../../engine/contract/message';
import { HangarError, type ErrorData } from '../../../../engine/contract/errors';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { keyChangeOf, ReviewKeyDialog } from './ReviewKeyDialog';
import { replaceHostKey, retryHost } from '../../api/hosts';

/** An error's words: the Message the engine sent with it (details.message), else its kind and text. */
export function problemText(t: ReturnType<typeof useT>, err: ErrorData): string {
  const msg = Message.safeParse(err.details?.['message']);
  return msg.success ? translateMessage(t, msg.data) : `${t(`error.${err.code}`)} ${err.message}`;
}

/** True when the error carries its words, so its technical message can be folded away. */
export function hasWords(err: ErrorData): boolean {
  return Message.safeParse(err.details?.['message']).success;
}

/** The technical message, folded away: there for whoever needs it, not in everyone's face. */
export function TechnicalDetails({ message }: { message: string }) {
  const t = useT();
  return (
    <details className="technical">
      <summary>{t('hosts.technical')}</summary>
      <code className="mono small">{message}</code>
    </details>
  );
}

/**
 * Why a host is unreachable, in words, with the ways forward: Retry now, and Review new key when
 * its SSH key changed. Shown wherever a host's Unreachable state shows.
 */
export function HostProblem({ host, detailed = false }: { host: Host; detailed?: boolean }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [reviewing, setReviewing] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const [retrying, setRetrying] = useState(false);
  if (host.state !== 'unreachable' || !host.lastError) return null;
  const change = keyChangeOf(host.lastError);
  const retry = () => {
    setRetrying(true);
    setError(null);
    retryHost(host.id)
      .catch((e: unknown) => setError(HangarError.from(e)))
      .finally(() => setTimeout(() => setRetrying(false), 1500));
  };
  return (
    <div className={`host-problem ${detailed ? 'banner error' : ''}`.trim()} data-testid="host-problem">
      <div className="error small" data-testid="host-problem-text">
        {host.problem ? translateMessage(t, host.problem) : t(`error.${host.lastError.code}`)}
      </div>
      {detailed && <div className="muted small">{t('hosts.unreachableSince')}</div>}
      {host.nextRetryAt && !retrying && <div className="muted small">{t('hosts.retryAt', { time: new Date(host.nextRetryAt).toLocaleTimeString(lang) })}</div>}
      <div className="row-actions">
        {change ? (
          <button type="button" className="btn btn-small btn-primary" data-testid="review-key" onClick={() => setReviewing(true)}>
            {t('hosts.reviewKey')}
          </button>
        ) : (
          <button type="button" className="btn btn-small" data-testid="retry-now" disabled={retrying} onClick={retry}>
            {retrying ? t('hosts.retrying') : t('hosts.retryNow')}
          </button>
        )}
      </div>
      {error && <div className="error small">{problemText(t, error.toData())}</div>}
      <TechnicalDetails message={host.lastError.message} />
      {reviewing && change && (
        <ReviewKeyDialog
          name={host.name}
          change={change}
          onClose={() => setReviewing(false)}
          onReplace={async () => {
            try {
              await replaceHostKey({ hostId: host.id, previous: change.previous, next: change.next });
              setReviewing(false);
            } catch (e) {
              setError(HangarError.from(e));
              setReviewing(false);
            }
          }}
        />
      )}
    </div>
  );
}
