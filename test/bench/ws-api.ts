import WebSocket from 'ws';
import type { MethodName, MethodParams, MethodResult } from '../../engine/contract';

/** A small Node client for `hangar serve`'s WebSocket API, for benchmarks and tools. */
export async function connectApi(url: string) {
  const u = new URL(url);
  const token = new URLSearchParams(u.hash.slice(1)).get('token')!;
  const ws = new WebSocket(`ws://${u.host}/ws`, ['hangar.v1', `hangar.token.${token}`], { origin: u.origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; id: number; ok: boolean; result?: unknown; error?: { code: string; message: string } };
    if (msg.type !== 'response') return;
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.result);
    else p?.reject(new Error(`${msg.error?.code}: ${msg.error?.message}`));
  });
  return {
    call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
      const id = next++;
      ws.send(JSON.stringify({ type: 'request', id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    },
    close: () => ws.close(),
  };
}
