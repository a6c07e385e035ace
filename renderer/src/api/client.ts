import type {
  EngineInfo,
  ErrorData,
  MethodName,
  MethodParams,
  MethodResult,
  TopicFilter,
  TopicName,
  TopicPayload,
} from '../../../engine/contract';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'forbidden';

/** How the UI reaches the engine: Electron IPC in the app, a WebSocket under `hangar serve`. */
export interface HangarClient {
  readonly transport: 'ipc' | 'ws';
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
  /** Resubscribes by itself after a reconnect; collection topics then start with a fresh snapshot. */
  subscribe<T extends TopicName>(topic: T, filter: TopicFilter<T>, onEvent: (payload: TopicPayload<T>) => void): () => void;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
}

/** What the preload script puts on `window.hangar` (Electron only). */
export interface PreloadBridge {
  rpc(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ErrorData }>;
  subscribe(topic: string, filter: Record<string, string>, listener: (payload: unknown) => void): Promise<string>;
  unsubscribe(subscriptionId: string): void;
  info: { transport: 'ipc'; platform: string; versions: Record<string, string> };
}

export type { EngineInfo };
