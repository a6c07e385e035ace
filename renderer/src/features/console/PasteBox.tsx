import { useState } from 'react';
import { ProgressBar } from '../../components/ProgressBar';
import { useT } from '../../i18n/use-t';

/**
 * Text to send as keystrokes. A box the person pastes into, rather than reading the clipboard:
 * that needs no permission in a browser or in the app (which grants none).
 */
export function PasteBox({ onType, onClose }: { onType(text: string, progress: (done: number) => void, signal: AbortSignal): Promise<void>; onClose(): void }) {
  const t = useT();
  const [text, setText] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [ctrl, setCtrl] = useState<AbortController | null>(null);
  const typing = ctrl !== null;
  const start = () => {
    const c = new AbortController();
    setCtrl(c);
    setProgress(0);
    onType(text, setProgress, c.signal).finally(() => {
      setCtrl(null);
      if (!c.signal.aborted) onClose();
    });
  };
  return (
    <div className="console-paste" data-testid="console-paste-box">
      <label>
        {t('console.paste.label')}
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} disabled={typing} data-testid="console-paste-text" autoFocus />
      </label>
      {progress !== null && typing && <ProgressBar value={progress} label={t('console.paste.progress')} />}
      <div className="row-actions">
        {typing ? (
          <button type="button" className="btn btn-small" data-testid="console-paste-cancel" onClick={() => ctrl?.abort()}>
            {t('console.paste.cancel')}
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-small btn-primary" disabled={!text} data-testid="console-paste-type" onClick={start}>
              {t('console.paste.type')}
            </button>
            <button type="button" className="btn btn-small" onClick={onClose}>
              {t('console.paste.close')}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
