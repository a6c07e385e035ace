import { Message } from '../../../engine/contract/message';
import { paramIssuesOf, type ErrorData, type HangarError } from '../../../engine/contract/errors';
import { translateMessage } from '../i18n/translate';
import { useT } from '../i18n/use-t';
import { useEngine } from '../stores/engine-store';
import { describeParamIssue } from './param-errors';

/**
 * An error as a person reads it: what kind (translated), then the engine's specifics. Rejected
 * values are listed field by field in the user's language instead of the engine's own wording.
 */
export function ErrorBanner({ error, testId, className = '' }: { error: HangarError | null; testId?: string; className?: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  if (!error) return null;
  const issues = paramIssuesOf(error);
  // An error that carries its words as a Message reads in the user's language.
  const msg = Message.safeParse(error.details?.['message']);
  if (issues.length > 0) {
    return (
      <div className={`banner error ${className}`.trim()} role="alert" data-testid={testId}>
        <strong>{t('error.invalidFields')}</strong>
        <ul className="issue-list">
          {issues.map((i) => (
            <li key={`${i.path}:${i.rule}`} data-field={i.path}>
              {describeParamIssue(t, lang, i)}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <p className={`banner error ${className}`.trim()} role="alert" data-testid={testId}>
      <strong>{t(`error.${error.code}`)}</strong> {msg.success ? translateMessage(t, msg.data) : <EngineText text={error.message} />}
    </p>
  );
}

/**
 * The engine's own words after a translated summary: its messages (a host's or libvirt's errors,
 * a job's failure) are English and quote what the host said, so they are marked as English text.
 */
export function EngineText({ text }: { text: string }) {
  return (
    <span className="engine-text" lang="en" data-testid="engine-text">
      {text}
    </span>
  );
}

/** A job's error: what kind, in the user's language, then the engine's specifics. */
export function JobErrorText({ error, className = 'error small' }: { error: ErrorData; className?: string }) {
  const t = useT();
  // The engine's words for it where it sent them (details.message), else the kind and its English specifics.
  const words = Message.safeParse(error.details?.['message']);
  return (
    <div className={className} data-testid="job-error">
      {words.success ? (
        translateMessage(t, words.data)
      ) : (
        <>
          <strong>{t(`error.${error.code}`)}</strong> <EngineText text={error.message} />
        </>
      )}
    </div>
  );
}
