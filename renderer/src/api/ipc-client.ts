import { HangarError } from '../../../engine/contract';
import type { HangarClient, PreloadBridge } from './client';

/** The Electron transport: the frozen bridge the preload exposes; the engine is in-process in main. */
export function createIpcClient(bridge: PreloadBridge): HangarClient {
  return {
    transport: 'ipc',
    async call(method, params) {
      const res = await bridge.rpc(method, params);
      if (!res.ok) throw HangarError.fromData(res.error);
      return res.result as never;
    },
    subscribe(topic, filter, onEvent) {
      let subId: string | null = null;
      let cancelled = false;
      void bridge.subscribe(topic, filter as Record<string, string>, onEvent as (p: unknown) => void).then((id) => {
        if (cancelled) bridge.unsubscribe(id);
        else subId = id;
      });
      return () => {
        cancelled = true;
        if (subId !== null) bridge.unsubscribe(subId);
      };
    },
    onStatus(listener) {
      listener('connected'); // the engine lives in the same app: it is there or the app is not
      return () => undefined;
    },
  };
}
