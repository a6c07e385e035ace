import type { TopicFilter, TopicName, TopicPayload } from '../contract/events';

type Listener<T extends TopicName> = (payload: TopicPayload<T>) => void;

interface TopicSource<T extends TopicName> {
  /** Sent first to every new subscriber (collections: the snapshot). */
  initial?: (filter: TopicFilter<T>) => TopicPayload<T>;
  /** Whether a payload concerns a subscriber with this filter; all pass when absent. */
  matches?: (filter: TopicFilter<T>, payload: TopicPayload<T>) => boolean;
}

/**
 * The engine's one publish/subscribe point. Topics and payload types come from the contract;
 * transports (IPC, WebSocket, in-process) subscribe here through a session.
 */
export class EventHub {
  private readonly listeners = new Map<TopicName, Set<(payload: unknown) => void>>();
  private readonly sources = new Map<TopicName, TopicSource<TopicName>>();

  defineTopic<T extends TopicName>(topic: T, source: TopicSource<T>): void {
    this.sources.set(topic, source as unknown as TopicSource<TopicName>);
  }

  publish<T extends TopicName>(topic: T, payload: TopicPayload<T>): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const l of set) l(payload);
  }

  /** Delivers the topic's initial payload synchronously, then every matching publish. */
  subscribe<T extends TopicName>(topic: T, filter: TopicFilter<T>, listener: Listener<T>): () => void {
    const source = this.sources.get(topic) as TopicSource<T> | undefined;
    const wrapped = (payload: unknown) => {
      const p = payload as TopicPayload<T>;
      if (!source?.matches || source.matches(filter, p)) listener(p);
    };
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    if (source?.initial) listener(source.initial(filter));
    set.add(wrapped);
    return () => set.delete(wrapped);
  }
}
