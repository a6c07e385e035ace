import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ResponseMsg } from '../engine/contract/envelope';
import type { ErrorData } from '../engine/contract/errors';
import type { Engine } from '../engine/engine';
import { isTrustedSender } from './security';

/** The fixed channels between preload and main; nothing else crosses IPC. */
export const IPC = {
  rpc: 'hangar:rpc',
  subscribe: 'hangar:subscribe',
  unsubscribe: 'hangar:unsubscribe',
  event: 'hangar:event',
} as const;

type Reply = { ok: true; result: unknown } | { ok: false; error: ErrorData };

const FORBIDDEN: Reply = { ok: false, error: { code: 'FORBIDDEN', message: 'Only the Hangar window may call the engine' } };

/**
 * Binds the IPC channels to engine sessions, one per WebContents. The sender's frame is checked on
 * every message and params are validated by the session against the contract, as on every transport.
 */
export function bindIpc(ipcMain: IpcMain, engine: Engine): void {
  const sessions = new Map<number, { receive(m: unknown): void; pending: Map<number | string, (r: Reply) => void>; next: number }>();

  function sessionFor(wc: WebContents) {
    let s = sessions.get(wc.id);
    if (s) return s;
    const pending = new Map<number | string, (r: Reply) => void>();
    const session = engine.openSession((msg) => {
      if (msg.type === 'event') {
        if (!wc.isDestroyed()) wc.send(IPC.event, { sub: msg.sub, payload: msg.payload });
        return;
      }
      const r = msg as ResponseMsg;
      if (r.id === null) return;
      const resolve = pending.get(r.id);
      if (!resolve) return;
      pending.delete(r.id);
      resolve(r.ok ? { ok: true, result: r.result } : { ok: false, error: r.error });
    });
    s = { receive: (m) => session.receive(m), pending, next: 1 };
    sessions.set(wc.id, s);
    wc.once('destroyed', () => {
      session.close();
      sessions.delete(wc.id);
    });
    return s;
  }

  /** Sends one envelope for the sender's session and resolves with the session's response to it. */
  const call = (e: IpcMainInvokeEvent, build: (id: number) => object, replyId?: string): { reply: Promise<Reply> } => {
    if (!isTrustedSender(e.senderFrame)) return { reply: Promise.resolve(FORBIDDEN) };
    const s = sessionFor(e.sender);
    const id = s.next++;
    const reply = new Promise<Reply>((resolve) => s.pending.set(replyId ?? id, resolve));
    s.receive(build(id));
    return { reply };
  };

  ipcMain.handle(IPC.rpc, (e, method: unknown, params: unknown) => call(e, (id) => ({ type: 'request', id, method, params })).reply);
  // The preload picks the subscription id (so its listener is in place before the snapshot
  // arrives); events carry it back as `sub`. Request ids are numbers, subscription ids strings.
  ipcMain.handle(IPC.subscribe, (e, subscriptionId: unknown, topic: unknown, filter: unknown): Promise<Reply> => {
    if (typeof subscriptionId !== 'string' || !/^s\d{1,12}$/.test(subscriptionId)) {
      return Promise.resolve({ ok: false, error: { code: 'BAD_REQUEST', message: 'Bad subscription id' } });
    }
    return call(e, () => ({ type: 'subscribe', id: subscriptionId, topic, filter }), subscriptionId).reply;
  });
  ipcMain.on(IPC.unsubscribe, (e, subscriptionId: unknown) => {
    if (!isTrustedSender(e.senderFrame)) return;
    sessions.get(e.sender.id)?.receive({ type: 'unsubscribe', id: String(subscriptionId) });
  });
}
