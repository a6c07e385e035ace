import type { HangarError } from '../../../engine/contract/errors';
import { useT } from '../i18n/use-t';

/** An error as a person reads it: what kind (translated), then the engine's specifics. */
export function ErrorBanner({ error, testId, className = '' }: { error: HangarError | null; testId?: string; className?: string }) {
  const t = useT();
  if (!error) return null;
  return (
    <p className={`banner error ${className}`.trim()} role="alert" data-testid={testId}>
      <strong>{t(`error.${error.code}`)}</strong> {error.message}
    </p>
  );
}
