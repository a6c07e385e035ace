import { useState } from 'react';
import { useT } from '../../i18n/use-t';

/** A button that asks in place before it acts: the first click shows the question and a second button. */
export function ConfirmButton({ label, question, testId, onConfirm, danger = true, disabled }: { label: string; question: string; testId: string; onConfirm: () => void; danger?: boolean; disabled?: boolean }) {
  const t = useT();
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return (
      <button type="button" className="btn btn-small" data-testid={testId} disabled={disabled} onClick={() => setArmed(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="inline" data-testid={`${testId}-ask`}>
      <span className="warn-text small">{question}</span>{' '}
      <button
        type="button"
        className={danger ? 'btn btn-small btn-danger' : 'btn btn-small'}
        data-testid={`${testId}-confirm`}
        onClick={() => {
          setArmed(false);
          onConfirm();
        }}
      >
        {label}
      </button>
      <button type="button" className="btn btn-small" onClick={() => setArmed(false)}>
        {t('storage.create.cancel')}
      </button>
    </span>
  );
}
