import { useCallback, useEffect, useRef, useState } from 'react';
import { CONSOLE_TICKET_PROTOCOL_PREFIX, type ConsoleKind, type ConsoleTicket } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { useEngine } from '../../stores/engine-store';
import { useVms } from '../../stores/vms-store';
import { closeConsole, consoleInfo, openConsole } from '../../api/console';

export type ConsoleStatus = 'connecting' | 'connected' | 'reconnecting' | 'notRunning' | 'inUse' | 'heldElsewhere' | 'closed' | 'error';

/** What a viewer (noVNC, xterm) does with a socket address; it reports back once, when it ends. */
export type AttachViewer = (url: string, protocols: string[], callbacks: { connected(): void; ended(): void }) => () => void;

const LIVE = new Set(['running', 'paused', 'starting', 'stopping', 'migrating']);
/**
 * Per VM and kind, the moment the last session this window opened is gone from the engine. A new
 * session waits for it: opening while the previous one (a device switch, a remount, a tab that
 * came back) is still being closed would find the console "open in another window".
 */
const settled = new Map<string, Promise<void>>();
const RETRY_MS = [500, 1000, 2000, 3000, 5000];

/** Where a ticket's socket is: the origin the engine named (Electron), or the one that served this page. */
export function consoleSocketUrl(t: Pick<ConsoleTicket, 'origin' | 'path'>): string {
  if (t.origin) return `${t.origin}${t.path}`;
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}${t.path}`;
}

/**
 * One console session of a VM: asks the engine for a ticket, hands the socket to the viewer, and
 * when the session ends finds out why — the VM stopped (wait for it), another window took over
 * (say so), or QEMU restarted or moved (reconnect by itself, backing off).
 */
export function useConsoleSession(vmId: string, kind: ConsoleKind, attach: AttachViewer, opts: { device?: string | undefined; takeOver?: boolean } = {}) {
  const client = useEngine((s) => s.client);
  const running = useVms((s) => LIVE.has(s.byId[vmId]?.state ?? ''));
  const [status, setStatus] = useState<ConsoleStatus>('connecting');
  const [error, setError] = useState<HangarError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const takeOver = useRef(opts.takeOver ?? false);
  const force = useRef(false);
  const failures = useRef(0);
  const wanted = useRef(true);
  const attachRef = useRef(attach);
  attachRef.current = attach;

  useEffect(() => {
    if (!client || !wanted.current) return;
    if (!running) {
      setStatus('notRunning');
      return;
    }
    let cancelled = false;
    let detach: (() => void) | null = null;
    let ticket: ConsoleTicket | null = null;
    setStatus(failures.current ? 'reconnecting' : 'connecting');
    const slot = `${vmId}:${kind}`;
    let done!: () => void;
    const gone = new Promise<void>((r) => (done = r));
    const before = settled.get(slot) ?? Promise.resolve();
    settled.set(slot, gone);
    /** Tells the engine this window's session is over, then lets the next one open. */
    const closeOwn = (t: ConsoleTicket | null) =>
      void (t ? closeConsole({ vmId, kind, ticket: t.ticket }).catch(() => undefined) : Promise.resolve()).then(done);
    void before.then(() => {
      if (cancelled) return done();
      // The user's take-over (or force) is spent only by the open that carries it, not by a run of
      // this effect that was cancelled while it waited.
      const params = { vmId, kind, takeOver: takeOver.current, force: force.current, ...(opts.device ? { device: opts.device } : {}) };
      takeOver.current = false;
      force.current = false;
      openConsole(params).then(
        (t) => {
          ticket = t;
          if (cancelled) return closeOwn(t);
          detach = attachRef.current(consoleSocketUrl(t), ['binary', CONSOLE_TICKET_PROTOCOL_PREFIX + t.ticket], {
            connected: () => {
              if (cancelled) return;
              failures.current = 0;
              setError(null);
              setStatus('connected');
            },
            ended: () => {
              if (cancelled) return;
              detach = null;
              // Why did it end? Another window holding it now means a take-over, not a restart.
              void consoleInfo(vmId).then(
                (info) => {
                  if (cancelled) return;
                  if (info.open[kind]) return setStatus('inUse');
                  if (!info.running) return setStatus('notRunning');
                  retry();
                },
                () => !cancelled && retry(),
              );
            },
          });
        },
        (e: unknown) => {
          done();
          if (cancelled) return;
          const err = HangarError.from(e);
          if (err.code === 'CONFLICT' && err.details?.['inUse']) return setStatus('inUse');
          if (err.code === 'CONFLICT' && err.details?.['heldElsewhere']) return setStatus('heldElsewhere');
          if (err.code === 'CONFLICT' && err.details?.['notRunning']) return setStatus('notRunning');
          setError(err);
          if (err.code === 'UNREACHABLE' || err.code === 'TIMEOUT') return retry();
          setStatus('error');
        },
      );
    });
    function retry(): void {
      const wait = RETRY_MS[Math.min(failures.current, RETRY_MS.length - 1)] ?? 5000;
      failures.current++;
      setStatus('reconnecting');
      setTimeout(() => !cancelled && setAttempt((a) => a + 1), wait);
    }
    return () => {
      cancelled = true;
      detach?.();
      // An open still on its way closes itself when it lands (above); otherwise close ours now.
      if (ticket) closeOwn(ticket);
    };
  }, [client, vmId, kind, opts.device, running, attempt]);

  /** Connect again now; `how` takes the console over from another window or another client. */
  const reconnect = useCallback((how?: 'takeOver' | 'force') => {
    wanted.current = true;
    takeOver.current = how === 'takeOver';
    force.current = how === 'force';
    failures.current = 0;
    setAttempt((a) => a + 1);
  }, []);
  const disconnect = useCallback(() => {
    wanted.current = false;
    setStatus('closed');
    setAttempt((a) => a + 1);
  }, []);

  return { status, error, reconnect, disconnect };
}
