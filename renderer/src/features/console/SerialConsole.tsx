import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConsoleSerialDevice } from '../../../../engine/contract';
import { downloadText } from '../../components/download';
import { useT } from '../../i18n/use-t';
import { ConsoleStatusBar } from './ConsoleStatusBar';
import { PasteBox } from './PasteBox';
import { plainTranscript } from './transcript';
import { useConsoleSession, type AttachViewer } from './use-console-session';

type Device = Pick<ConsoleSerialDevice, 'name' | 'type'>;
/**
 * Light on dark in both UI themes, like a real terminal; the foreground is about 14:1 against
 * the background, and the ANSI colours are the bright-enough variants (each ≥ 4.5:1 on it).
 */
const SERIAL_THEME = {
  background: '#11141a',
  foreground: '#e6e8eb',
  cursor: '#f5f6f7',
  cursorAccent: '#11141a',
  selectionBackground: '#3a4a63',
  black: '#5c6370', red: '#f2777a', green: '#99cc99', yellow: '#ffcc66', blue: '#6fa8ff', magenta: '#d69ee6', cyan: '#66cccc', white: '#d8dbe0',
  brightBlack: '#8b919c', brightRed: '#ff9a9c', brightGreen: '#b5e8b5', brightYellow: '#ffe08a', brightBlue: '#9cc2ff', brightMagenta: '#e8bdf3', brightCyan: '#99e6e6', brightWhite: '#ffffff',
};
const MONO = "'DejaVu Sans Mono', 'Liberation Mono', 'Noto Sans Mono', ui-monospace, Menlo, Consolas, monospace";

/** Cap on the transcript kept for saving (the terminal's own scrollback is separate). */
const TRANSCRIPT_MAX = 8 * 1024 * 1024;

/** The VM's serial console in xterm.js, over libvirt's console stream. */
export function SerialConsole({ vmId, vmName, devices, takeOver = false }: { vmId: string; vmName: string; devices: Device[]; takeOver?: boolean }) {
  const t = useT();
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const wsRef = useRef<WebSocket | null>(null);
  const transcript = useRef('');
  const [device, setDevice] = useState<string | undefined>(devices[0]?.name);
  const [pasting, setPasting] = useState(false);

  // One terminal for the component's life; sessions come and go underneath it.
  useEffect(() => {
    const el = hostRef.current;
    if (!el) return;
    const term = new Terminal({ scrollback: 5000, convertEol: false, cursorBlink: true, fontFamily: MONO, fontSize: 14, theme: SERIAL_THEME, minimumContrastRatio: 4.5 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    const encoder = new TextEncoder();
    const input = term.onData((d) => {
      if (wsRef.current?.readyState === WebSocket.OPEN) wsRef.current.send(encoder.encode(d));
    });
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(el);
    termRef.current = term;
    return () => {
      resize.disconnect();
      input.dispose();
      term.dispose();
      termRef.current = null;
    };
  }, []);

  const attach = useCallback<AttachViewer>((url, protocols, cb) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    ws.onopen = () => {
      wsRef.current = ws;
      cb.connected();
      termRef.current?.focus();
    };
    ws.onmessage = (e: MessageEvent<ArrayBuffer>) => {
      const bytes = new Uint8Array(e.data);
      termRef.current?.write(bytes);
      transcript.current = (transcript.current + decoder.decode(bytes, { stream: true })).slice(-TRANSCRIPT_MAX);
    };
    ws.onclose = () => {
      if (wsRef.current === ws) wsRef.current = null;
      cb.ended();
    };
    return () => {
      ws.onclose = null;
      if (wsRef.current === ws) wsRef.current = null;
      ws.close();
    };
  }, []);
  const { status, error, reconnect, disconnect } = useConsoleSession(vmId, 'serial', attach, { device, takeOver });

  const copySelection = () => {
    const text = termRef.current?.getSelection() ?? '';
    if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
  };
  const typeText = async (text: string, progress: (done: number) => void) => {
    wsRef.current?.send(new TextEncoder().encode(text.replace(/\r?\n/g, '\r')));
    progress(1);
  };

  return (
    <div className="console" data-testid="serial-console">
      <div className="toolbar console-toolbar">
        <ConsoleStatusBar status={status} error={error} reconnect={reconnect} />
        {/* Device names and types are libvirt's identifiers (serial0, pty): not words to translate. */}
        {devices.length > 1 && (
          <label className="inline">
            {t('console.serial.device')}
            <select value={device} onChange={(e) => setDevice(e.target.value)} data-testid="console-serial-device" translate="no">
              {devices.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name} ({d.type})
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" className="btn btn-small" onClick={copySelection}>
          {t('console.copy')}
        </button>
        <button type="button" className="btn btn-small" disabled={status !== 'connected'} onClick={() => setPasting(true)}>
          {t('console.paste')}
        </button>
        <button type="button" className="btn btn-small" data-testid="console-save-transcript" onClick={() => downloadText(`${vmName}-serial-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`, plainTranscript(transcript.current))}>
          {t('console.saveTranscript')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => termRef.current?.clear()}>
          {t('console.clear')}
        </button>
        {status === 'connected' && (
          <button type="button" className="btn btn-small" data-testid="console-disconnect" onClick={disconnect}>
            {t('console.disconnect')}
          </button>
        )}
      </div>
      {pasting && <PasteBox onType={typeText} onClose={() => setPasting(false)} />}
      <div className="serial-screen" ref={hostRef} data-testid="serial-screen" />
    </div>
  );
}
