import { HangarError, type ServerMsg } from '../../../engine/contract';
import type { ConnectionStatus, HangarClient } from './client';

const PROTOCOL = 'hangar.v1';
const TOKEN_PREFIX = 'hangar.token.';
/** The server's answer to "is this token still good?" (engine/server/ws-auth.ts). */
const AUTH_CHECK_SUFFIX = '/auth';
const CALL_TIMEOUT_MS = 60_000;
/** `hangar serve` keeps its port and token across restarts: keep trying, but not slowly. */
const MAX_RETRY_MS = 5_000;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}
interface Sub {
  topic: string;
  filter: Record<string, string>;
  onEvent: (payload: never) => void;
}

/**
 * The browser transport: one WebSocket to `hangar serve`, token in the subprotocol list (never in
 * the URL), reconnect with backoff, subscriptions restored after every reconnect. The server
 * refuses a bad token or origin on the handshake itself, which a browser reports only as a
 * close: after a socket that never opened, the client asks the server over HTTP which it was.
 */
export function createWsClient(url: string, token: string): HangarClient {
  let ws: WebSocket | null = null;
  let status: ConnectionStatus = 'connecting';
  let nextId = 1;
  let attempt = 0;
  const pending = new Map<number, Pending>();
  /**
   * Requests made before the first connection opened: the UI renders (and its pages ask for
   * data) before the socket is up, so these wait for it rather than fail. After a connection was
   * lost, calls fail at once instead: an action must not run by surprise on a later reconnect.
   */
  const early = new Map<number, object>();
  const subs = new Map<number, Sub>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();

  const setStatus = (s: ConnectionStatus) => {
    status = s;
    for (const l of statusListeners) l(s);
  };
  const send = (msg: object) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };
  const sendSubscribe = (id: number, sub: Sub) => send({ type: 'subscribe', id, topic: sub.topic, filter: sub.filter });

  async function refusal(): Promise<'unauthorized' | 'forbidden' | null> {
    try {
      const res = await fetch(url.replace(/^ws/, 'http') + AUTH_CHECK_SUFFIX, { method: 'POST', headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
      if (res.status === 401) return 'unauthorized';
      if (res.status === 403) return 'forbidden';
    } catch {
      // the engine is away: keep retrying
    }
    return null;
  }

  function retry(): void {
    setStatus('reconnecting');
    const delay = Math.min(MAX_RETRY_MS, 250 * 2 ** attempt++) * (0.8 + Math.random() * 0.4);
    setTimeout(connect, delay);
  }

  function connect(): void {
    const socket = new WebSocket(url, [PROTOCOL, TOKEN_PREFIX + token]);
    let opened = false;
    ws = socket;
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      setStatus('connected');
      for (const [id, sub] of subs) sendSubscribe(id, sub);
      for (const msg of early.values()) send(msg);
      early.clear();
    };
    socket.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as ServerMsg;
      if (msg.type === 'event') {
        subs.get(Number(msg.sub))?.onEvent(msg.payload as never);
        return;
      }
      if (msg.id === null) return; // the answer to a malformed message: nothing waits for it
      const p = pending.get(Number(msg.id));
      if (!p) return;
      pending.delete(Number(msg.id));
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(HangarError.fromData(msg.error));
    };
    socket.onclose = (ev) => {
      early.clear();
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new HangarError('UNREACHABLE', 'Lost the connection to the Hangar engine'));
        pending.delete(id);
      }
      if (opened) return retry();
      void refusal().then((refused) => (refused ? setStatus(refused) : retry()));
    };
  }
  connect();

  return {
    transport: 'ws',
    call(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const open = ws?.readyState === WebSocket.OPEN;
        if (!open && status !== 'connecting') {
          reject(new HangarError('UNREACHABLE', 'Not connected to the Hangar engine'));
          return;
        }
        const timer = setTimeout(() => {
          pending.delete(id);
          if (!early.delete(id)) send({ type: 'cancel', id });
          reject(new HangarError('TIMEOUT', `${method} did not answer in time`));
        }, CALL_TIMEOUT_MS);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        const msg = { type: 'request', id, method, params };
        if (open) send(msg);
        else early.set(id, msg);
      });
    },
    subscribe(topic, filter, onEvent) {
      const id = nextId++;
      const sub: Sub = { topic, filter: filter as Record<string, string>, onEvent: onEvent as (p: never) => void };
      subs.set(id, sub);
      sendSubscribe(id, sub);
      return () => {
        subs.delete(id);
        send({ type: 'unsubscribe', id });
      };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
  };
}
