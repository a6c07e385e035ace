import { ClientMsg, type RequestId, type ServerMsg } from '../contract/envelope';
import { HangarError } from '../contract/errors';
import { isTopicName, topics } from '../contract/events';
import type { EventHub } from '../events/event-hub';
import type { Logger } from '../logger';
import { dispatch } from './dispatch';
import type { Handlers } from './handlers';

export interface Session {
  /** Feeds one message from the client (already JSON-decoded, otherwise untrusted). */
  receive(raw: unknown): void;
  /** Drops every subscription and aborts every request in flight. */
  close(): void;
}

/**
 * One client's conversation with the engine, whatever carries it: the envelope of DESIGN §2 in,
 * responses and events out through `send`.
 */
export function openSession(deps: { handlers: Handlers; hub: EventHub; logger: Logger }, send: (msg: ServerMsg) => void): Session {
  const inFlight = new Map<RequestId, AbortController>();
  const subs = new Map<RequestId, () => void>();
  let closed = false;

  const fail = (id: RequestId | null, err: unknown) => {
    const e = HangarError.from(err);
    if (e.code === 'INTERNAL') deps.logger.error('request failed', { error: e.message });
    if (!closed) send({ type: 'response', id, ok: false, error: e.toData() });
  };

  function request(id: RequestId, method: string, params: unknown) {
    if (inFlight.has(id)) return fail(id, new HangarError('BAD_REQUEST', `Request id ${id} is already in flight`));
    const abort = new AbortController();
    inFlight.set(id, abort);
    dispatch(deps.handlers, method, params, { signal: abort.signal })
      .then((result) => {
        if (!closed) send({ type: 'response', id, ok: true, result });
      })
      .catch((err) => fail(id, abort.signal.aborted ? new HangarError('CANCELLED', 'Cancelled') : err))
      .finally(() => inFlight.delete(id));
  }

  function subscribe(id: RequestId, topic: string, filter: unknown) {
    if (!isTopicName(topic)) return fail(id, new HangarError('NOT_FOUND', `Unknown topic: ${topic}`));
    if (subs.has(id)) return fail(id, new HangarError('BAD_REQUEST', `Subscription id ${id} is already in use`));
    const parsed = topics[topic].filter.safeParse(filter ?? {});
    if (!parsed.success) return fail(id, new HangarError('INVALID_PARAMS', `Invalid filter for ${topic}`));
    let seq = 0;
    send({ type: 'response', id, ok: true, result: { subscribed: topic } });
    const off = deps.hub.subscribe(topic, parsed.data as never, (payload) => {
      if (!closed) send({ type: 'event', sub: id, topic, payload, seq: ++seq });
    });
    subs.set(id, off);
  }

  return {
    receive(raw) {
      if (closed) return;
      const parsed = ClientMsg.safeParse(raw);
      if (!parsed.success) {
        const id = typeof raw === 'object' && raw !== null && 'id' in raw ? (raw as { id: unknown }).id : null;
        const safeId = typeof id === 'string' || typeof id === 'number' ? id : null;
        return fail(safeId, new HangarError('BAD_REQUEST', 'Malformed message: expected a request, subscribe, unsubscribe or cancel envelope'));
      }
      const msg = parsed.data;
      switch (msg.type) {
        case 'request':
          return request(msg.id, msg.method, msg.params);
        case 'subscribe':
          return subscribe(msg.id, msg.topic, msg.filter);
        case 'unsubscribe':
          subs.get(msg.id)?.();
          subs.delete(msg.id);
          return;
        case 'cancel':
          inFlight.get(msg.id)?.abort();
          return;
      }
    },
    close() {
      closed = true;
      for (const off of subs.values()) off();
      subs.clear();
      for (const a of inFlight.values()) a.abort();
      inFlight.clear();
    },
  };
}
