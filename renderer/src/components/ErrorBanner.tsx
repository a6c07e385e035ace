import { Message } from '../../../engine/contract/message';
import type { HangarError } from '../../../engine/contract/errors';
import { translateMessage } from '../i18n/translate';
import { useT } from '../i18n/use-t';

/** An error as a person reads it: what kind (translated), then the engine's specifics. */
export function ErrorBanner({ error, testId, className = '' }: { error: HangarError | null; testId?: string; className?: string }) {
  const t = useT();
  if (!error) return null;
  // An error that carries its words as a Message reads in the user's language.
  const msg = Message.safeParse(error.details?.['message']);
  return (
    <p className={`banner error ${className}`.trim()} role="alert" data-testid={testId}>
      <strong>{t(`error.${error.code}`)}</strong> {msg.success ? translateMessage(t, msg.data) : error.message}
    </p>
  );
}
