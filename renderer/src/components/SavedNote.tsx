import { useCallback, useEffect, useRef, useState } from 'react';

/** "Saved" after a save went through: shown for a few seconds, announced to screen readers. */
export function useSavedNote(ms = 4000): [shown: boolean, flash: () => void] {
  const [shown, setShown] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const flash = useCallback(() => {
    setShown(true);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setShown(false), ms);
  }, [ms]);
  return [shown, flash];
}

export function SavedNote({ shown, text, testId = 'saved-note' }: { shown: boolean; text: string; testId?: string }) {
  return (
    <span className={shown ? 'saved-note' : 'saved-note hidden'} role="status" aria-live="polite" data-testid={testId}>
      {shown ? `✓ ${text}` : ''}
    </span>
  );
}
