import type { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useT } from '../../i18n/use-t';
import type { ConsoleStatus } from './use-console-session';

/** The session's state in words, and what a person can do about it. */
export function ConsoleStatusBar({ status, error, reconnect }: { status: ConsoleStatus; error: HangarError | null; reconnect(how?: 'takeOver' | 'force'): void }) {
  const t = useT();
  return (
    <div className="console-status">
      <span className={`console-state state-${status}`} data-testid="console-status" data-status={status} role="status">
        {t(`console.status.${status}`)}
      </span>
      {status === 'inUse' && (
        <button type="button" className="btn btn-small" data-testid="console-take-over" onClick={() => reconnect('takeOver')}>
          {t('console.takeOver')}
        </button>
      )}
      {status === 'heldElsewhere' && (
        <>
          <span className="banner warn">{t('console.heldElsewhereWarning')}</span>
          <button type="button" className="btn btn-small btn-danger" data-testid="console-force" onClick={() => reconnect('force')}>
            {t('console.forceAttach')}
          </button>
        </>
      )}
      {(status === 'closed' || status === 'error') && (
        <button type="button" className="btn btn-small" data-testid="console-connect" onClick={() => reconnect()}>
          {t('console.connect')}
        </button>
      )}
      {status === 'error' && <ErrorBanner error={error} testId="console-error" />}
    </div>
  );
}
