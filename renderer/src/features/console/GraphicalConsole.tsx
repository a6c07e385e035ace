import RFB from '@novnc/novnc';
import { useCallback, useEffect, useRef, useState } from 'react';
import { downloadBlob } from '../../components/download';
import { useT } from '../../i18n/use-t';
import { ConsoleStatusBar } from './ConsoleStatusBar';
import { comboToKeyEvents, SEND_KEY_PRESETS, textToKeyEvents, type KeyEvent } from './keys';
import { PasteBox } from './PasteBox';
import { useConsoleSession, type AttachViewer } from './use-console-session';

export type ScaleMode = 'scale' | 'native' | 'remote';
const SCALE_MODES: ScaleMode[] = ['scale', 'native', 'remote'];
/** Pause between typed keys: guests drop keys sent faster than their keyboard controller takes them. */
const KEY_GAP_MS = 12;

function applyScale(rfb: RFB, mode: ScaleMode): void {
  // scale: shrink to the window keeping the aspect ratio; native: 1:1 with scrollbars;
  // remote: ask the guest to change its resolution to the window (when its display driver can).
  rfb.scaleViewport = mode !== 'native';
  rfb.clipViewport = false;
  rfb.resizeSession = mode === 'remote';
}

/** The VM's screen over noVNC, with the tools a person at a console needs. */
export function GraphicalConsole({ vmId, vmName, takeOver = false, onPopOut }: { vmId: string; vmName: string; takeOver?: boolean; onPopOut?: () => void }) {
  const t = useT();
  const frameRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [scale, setScale] = useState<ScaleMode>('scale');
  const scaleRef = useRef(scale);
  const [pasting, setPasting] = useState(false);
  const [combo, setCombo] = useState('');
  const [comboError, setComboError] = useState(false);

  const attach = useCallback<AttachViewer>((url, protocols, cb) => {
    const el = screenRef.current;
    if (!el) return () => undefined;
    const rfb = new RFB(el, url, { wsProtocols: protocols, shared: true });
    rfb.background = 'rgb(0, 0, 0)';
    applyScale(rfb, scaleRef.current);
    rfb.addEventListener('connect', () => cb.connected());
    rfb.addEventListener('disconnect', () => {
      if (rfbRef.current === rfb) rfbRef.current = null;
      cb.ended();
    });
    rfbRef.current = rfb;
    return () => {
      if (rfbRef.current === rfb) rfbRef.current = null;
      rfb.disconnect();
    };
  }, []);
  const { status, error, reconnect, disconnect } = useConsoleSession(vmId, 'vnc', attach, { takeOver });

  useEffect(() => {
    scaleRef.current = scale;
    if (rfbRef.current) applyScale(rfbRef.current, scale);
  }, [scale]);

  const send = (events: readonly KeyEvent[]) => {
    for (const e of events) rfbRef.current?.sendKey(e.keysym, e.code, e.down);
    rfbRef.current?.focus();
  };
  const sendCombo = (c: string) => {
    const events = comboToKeyEvents(c);
    setComboError(!events);
    if (events) send(events);
  };
  const typeText = async (text: string, progress: (done: number) => void, signal: AbortSignal) => {
    const events = textToKeyEvents(text);
    for (let i = 0; i < events.length; i++) {
      if (signal.aborted || !rfbRef.current) {
        // Never leave a key (Shift) held down in the guest.
        for (const e of events.slice(i)) if (!e.down) rfbRef.current?.sendKey(e.keysym, e.code, false);
        return;
      }
      const e = events[i] as KeyEvent;
      rfbRef.current.sendKey(e.keysym, e.code, e.down);
      if (!e.down) {
        progress((i + 1) / events.length);
        await new Promise((r) => setTimeout(r, KEY_GAP_MS));
      }
    }
  };
  const screenshot = () =>
    rfbRef.current?.toBlob((blob) => {
      if (blob) downloadBlob(`${vmName}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`, blob);
    }, 'image/png');
  const connected = status === 'connected';

  return (
    <div className="console" ref={frameRef} data-testid="graphical-console">
      <div className="toolbar console-toolbar">
        <ConsoleStatusBar status={status} error={error} reconnect={reconnect} />
        <label className="inline">
          {t('console.scale')}
          <select value={scale} onChange={(e) => setScale(e.target.value as ScaleMode)} data-testid="console-scale">
            {SCALE_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`console.scale.${m}`)}
              </option>
            ))}
          </select>
        </label>
        <select
          value=""
          disabled={!connected}
          aria-label={t('console.sendKey')}
          data-testid="console-send-key"
          onChange={(e) => {
            if (e.target.value) sendCombo(e.target.value);
          }}
        >
          <option value="">{t('console.sendKey')}</option>
          {SEND_KEY_PRESETS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            sendCombo(combo);
          }}
        >
          <input value={combo} onChange={(e) => setCombo(e.target.value)} placeholder={t('console.customCombo')} aria-invalid={comboError} data-testid="console-combo" size={14} />
          <button type="submit" className="btn btn-small" disabled={!connected || !combo}>
            {t('console.send')}
          </button>
        </form>
        <button type="button" className="btn btn-small" disabled={!connected} data-testid="console-paste" onClick={() => setPasting(true)}>
          {t('console.paste')}
        </button>
        <button type="button" className="btn btn-small" disabled={!connected} data-testid="console-screenshot" onClick={screenshot}>
          {t('console.screenshot')}
        </button>
        <button type="button" className="btn btn-small" data-testid="console-fullscreen" onClick={() => void frameRef.current?.requestFullscreen?.()}>
          {t('console.fullscreen')}
        </button>
        {onPopOut && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="console-popout"
            onClick={onPopOut}
          >
            {t('console.popOut')}
          </button>
        )}
        {connected && (
          <button type="button" className="btn btn-small" data-testid="console-disconnect" onClick={disconnect}>
            {t('console.disconnect')}
          </button>
        )}
      </div>
      {pasting && <PasteBox onType={typeText} onClose={() => setPasting(false)} />}
      <div className={`console-screen scale-${scale}`} ref={screenRef} data-testid="console-screen" />
    </div>
  );
}
