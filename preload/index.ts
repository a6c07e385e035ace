/**
 * The only bridge between the sandboxed UI and the app: one frozen object on `window.hangar`.
 * Fixed channels, no raw ipcRenderer, listeners get payloads only (never the IPC event, whose
 * `sender` would leak ipcRenderer).
 */
import { contextBridge, ipcRenderer } from 'electron';

const CH = { rpc: 'hangar:rpc', subscribe: 'hangar:subscribe', unsubscribe: 'hangar:unsubscribe', event: 'hangar:event' } as const;

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
const listeners = new Map<string, (payload: unknown) => void>();
let nextSub = 1;

ipcRenderer.on(CH.event, (_event, msg: { sub: string; payload: unknown }) => {
  listeners.get(String(msg.sub))?.(msg.payload);
});

const bridge = Object.freeze({
  rpc: (method: string, params: unknown): Promise<Reply> => ipcRenderer.invoke(CH.rpc, method, params),
  async subscribe(topic: string, filter: Record<string, string>, listener: (payload: unknown) => void): Promise<string> {
    // Registered before asking: the topic's snapshot may arrive ahead of the reply.
    const id = `s${nextSub++}`;
    listeners.set(id, listener);
    const reply = (await ipcRenderer.invoke(CH.subscribe, id, topic, filter)) as Reply;
    if (!reply.ok) {
      listeners.delete(id);
      throw new Error(`${reply.error.code}: ${reply.error.message}`);
    }
    return id;
  },
  unsubscribe(subscriptionId: string): void {
    listeners.delete(subscriptionId);
    ipcRenderer.send(CH.unsubscribe, subscriptionId);
  },
  info: Object.freeze({
    transport: 'ipc' as const,
    platform: process.platform,
    versions: Object.freeze({ electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '' }),
  }),
});

contextBridge.exposeInMainWorld('hangar', bridge);
